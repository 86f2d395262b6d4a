import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeGithub, startFakeGithub } from '@switchboard/testkit/fakes/github';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

/** Runs one command in this process (it serves the API in-process) and returns stdout and stderr. */
async function run(args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const outSpy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => out.push(String(c)) > 0);
  const errSpy = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => err.push(String(c)) > 0);
  try {
    await buildProgram().parseAsync(['node', 'switchboard', ...args]);
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
  return { out: out.join(''), err: err.join('') };
}
const json = async (args: string[]) => JSON.parse((await run([...args, '--json'])).out);

describe('switchboard account (CLI over the admin API)', () => {
  let dataDir: string;
  let github: FakeGithub;
  const saved = { ...process.env };

  beforeAll(async () => {
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'free' },
      tokens: { github_pat_cli_token: 'admin' },
      users: [{ login: 'alice', id: 101 }],
      teams: ['backend', 'infra'],
    });
    dataDir = await mkdtemp(join(tmpdir(), 'sb-account-cli-'));
    process.env.SWITCHBOARD_DATA_DIR = dataDir;
    process.env.LOG_LEVEL = 'error';
    process.env.SWITCHBOARD_PLUGINS = '@switchboard/slack,@switchboard/github-invite';
    process.env.SWITCHBOARD_EGRESS_ALLOW = '127.0.0.1,::1,localhost';
    for (const key of ['DATABASE_URL', 'SWITCHBOARD_SECRET_KEY', 'SWITCHBOARD_TOKEN', 'SWITCHBOARD_URL']) {
      delete process.env[key];
    }
  });
  afterAll(async () => {
    process.env = saved;
    await github?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Each command opens the embedded database in this process: minutes on a loaded machine.
  it('connects an org, grants with two teams, lists, cancels twice and retries, each with a next step', {
    timeout: 300_000,
  }, async () => {
    await json(['workspace', 'create', 'cli-gh', '--name', 'CLI GitHub']);
    const admin = await json(['admin', 'create', '-w', 'cli-gh', '--username', 'boss']);
    process.env.SWITCHBOARD_TOKEN = admin.token;

    const connected = await run([
      'account',
      'connect',
      '--type',
      'github-invite',
      '--set',
      'org=acme',
      '--set',
      'token=github_pat_cli_token',
      '--set',
      'webhook_secret=cli-webhook-secret',
      '--set',
      `api_base_url=${github.url}`,
    ]);
    expect(connected.out).not.toContain('github_pat_cli_token');
    expect(connected.err).toMatch(/next: point the platform's webhook at .*\/hooks\/accounts\//);
    const installationId = /id\s+([0-9a-f-]{36})/.exec(connected.out)?.[1] as string;
    expect(installationId).toBeDefined();

    expect(await json(['account', 'status', installationId])).toMatchObject({
      ok: true,
      detail: { plan: 'free', invitationsAvailable: true },
    });

    const granted = await run([
      'account',
      'grant',
      'boss',
      '--installation',
      installationId,
      '--username',
      'alice',
      '--team',
      'backend',
      '--team',
      'infra',
    ]);
    expect(granted.out).toMatch(/state\s+invited/);
    expect(granted.err).toMatch(
      /next: waiting for alice to accept the invitation sent \d{4}-\d\d-\d\d.*; teams backend, infra will be granted then/,
    );
    expect(github.invitations).toHaveLength(1);

    const listed = await json(['account', 'list']);
    expect(listed.items).toHaveLength(1);
    const accountId = listed.items[0].id as string;
    expect((await run(['account', 'list'])).out).toContain('waiting for alice');

    expect((await run(['account', 'cancel', accountId])).err).toContain(`canceled ${accountId}`);
    expect((await run(['account', 'cancel', accountId])).err).toContain(`canceled ${accountId}`);
    expect(github.invitations).toHaveLength(0);
    expect((await json(['account', 'list'])).items).toEqual([]);

    const retried = await json(['account', 'retry', accountId]);
    expect(retried).toMatchObject({
      state: 'invited',
      nextStep: expect.stringContaining('waiting for alice'),
    });
    expect(github.invitations).toHaveLength(1);
    await expect(run(['account', 'grant', 'boss', '--installation', installationId])).rejects.toThrow(
      /--email or --username/,
    );
  });
});
