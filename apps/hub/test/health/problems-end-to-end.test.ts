import { testDatabaseKinds } from '@switchboard/db/testing';
import type { FakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signBody } from '../../src/agent-delivery/signature.js';
import { buildProgram } from '../../src/cli/program.js';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';
import {
  postToHook,
  type SlackScenario,
  slackMessage,
  startSlackScenario,
} from '../support/slack-scenario.js';

const wait = { timeout: 20_000, interval: 50 };

/** Runs `switchboard <args>` in this process against the hub and returns what it printed. */
async function cli(args: string[]): Promise<string> {
  const printed: string[] = [];
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'switchboard', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return printed.join('');
}

/** Problems found by the health monitor, from the platform's real answers, on every surface. */
describe.each(testDatabaseKinds())('installation problems end to end [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let slack: FakeSlack;
  let agent: FakeAgent;
  let setup: SlackScenario['setup'];

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'health', {
      statusIntervalMs: 50,
      health: { intervalMs: 50 },
    });
    ({ hub, slack, agent, setup } = scenario);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const problems = async () => {
    const res = await hub.request(
      'GET',
      `/api/v1/workspaces/health/installations/${setup.installationId}/status`,
      {
        token: setup.token,
      },
    );
    expect(res.status).toBe(200);
    return res.body.runtime.problems as Array<{ code: string; message: string; hint: string }>;
  };

  it('shows token_revoked with its fix when the platform answers invalid_auth to a send', async () => {
    expect(await problems()).toEqual([]);
    slack.failNext('chat.postMessage', { ok: false, error: 'invalid_auth' });
    const reply = JSON.stringify({
      target: { chatId: 'C0GENERAL1' },
      text: 'hello',
      idempotencyKey: 'revoked-1',
    });
    const accepted = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      raw: reply,
      headers: { 'x-switchboard-signature': signBody(agent.secret, reply) },
    });
    expect(accepted.status).toBe(202);

    await vi.waitFor(async () => {
      expect(await problems()).toEqual([
        expect.objectContaining({
          code: 'token_revoked',
          message: expect.stringContaining('Slack refused'),
          hint: expect.stringContaining('create a new token or secret'),
        }),
      ]);
    }, wait);
    expect((await problems())[0]?.message).toContain('invalid_auth');

    const table = await cli(['status', '--url', hub.url, '--token', setup.token]);
    const [header, row] = table.split('\n');
    expect(header).toMatch(
      /^WORKSPACE\s+INSTALLATION\s+TYPE\s+STATE\s+LEASE HOLDER\s+LAST INBOUND\s+PROBLEMS$/,
    );
    expect(row).toMatch(new RegExp(`^health\\s+${setup.installationId}\\s+slack\\s+\\S+.*token_revoked$`));
    expect(table).toContain('Problems:');
    expect(table).toMatch(
      /token_revoked \(since .+ ago\)\n {4}Slack refused this installation's credentials/,
    );
    expect(table).toContain('    fix: create a new token or secret');
    expect(table.trimStart().startsWith('{')).toBe(false);

    const json = JSON.parse(await cli(['status', '--url', hub.url, '--token', setup.token, '--json']));
    expect(json.workspaces[0].installations[0].runtime.problems[0].code).toBe('token_revoked');

    // The next accepted send proves the credentials again: the problem clears.
    const again = JSON.stringify({
      target: { chatId: 'C0GENERAL1' },
      text: 'hello again',
      idempotencyKey: 'revoked-2',
    });
    await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      raw: again,
      headers: { 'x-switchboard-signature': signBody(agent.secret, again) },
    });
    await vi.waitFor(async () => expect(await problems()).toEqual([]), wait);
  });

  it('shows signature_failures after repeated webhooks signed with a wrong secret', async () => {
    for (let i = 0; i < 5; i++) {
      const refused = await postToHook(
        hub,
        setup.installationId,
        slackMessage({ eventId: `Ev0BADSIG${i}`, user: 'U0ALICE01' }),
        { secret: 'not-the-signing-secret' },
      );
      expect(refused.status).toBe(401);
    }
    await vi.waitFor(async () => {
      expect(await problems()).toEqual([
        expect.objectContaining({
          code: 'signature_failures',
          message: expect.stringContaining('5 webhooks failed their signature check'),
          hint: expect.stringContaining('signing secret'),
        }),
      ]);
    }, wait);
    const listed = await hub.request('GET', '/api/v1/workspaces/health/status', { token: setup.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items[0].runtime.problems.map((p: { code: string }) => p.code)).toEqual([
      'signature_failures',
    ]);

    // A correctly signed event afterwards shows the platform signs with the stored secret now.
    const good = await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0GOODSIG1', user: 'U0ALICE01' }),
    );
    expect(good.status).toBe(200);
    await vi.waitFor(async () => expect(await problems()).toEqual([]), wait);
  });
});
