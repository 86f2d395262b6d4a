// `switchboard start --role ingress` and `--role worker` as two processes on one PostgreSQL
// database: the ingress process acknowledges webhooks and records them, and only the worker
// process delivers them to the agent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase, postgresTestUrl } from '@switchboard/db/testing';
import { type FakeSlack, signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { testChannelRegistry } from '../support/channels.js';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubProcess, killHard, startHubProcess } from '../support/hub-process.js';
import { seedSlackWorkspace } from '../support/seed-slack.js';
import { APP, BOT, SIGNING_SECRET, slackMessage, TEAM } from '../support/slack-scenario.js';

describe.runIf(postgresTestUrl())('ingress and worker processes [postgres]', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let runtime: HubRuntime;
  let fakeSlack: FakeSlack;
  let agent: FakeAgent;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let installationId: string;
  const hubs: HubProcess[] = [];

  beforeAll(async () => {
    created = await createPostgresDatabase('sb_roles');
    const database = await openDatabase({ url: created.url, poolSize: 2 });
    await applyMigrations({ adapterFactory: database.adapterFactory });
    const secretKey = generateSecretKey();
    runtime = createHubRuntime({
      database,
      secrets: SecretBox.fromSpec(secretKey),
      registry: testChannelRegistry(),
    });
    fakeSlack = await startFakeSlack({ botTokens: ['xoxb-seeded'] });
    agent = await startFakeAgent();
    ({ installationId } = await seedSlackWorkspace(runtime.stores, {
      slug: 'roles',
      agentUrl: agent.url,
      agentSecret: agent.secret,
      slackApiUrl: fakeSlack.url,
      appId: APP,
      teamId: TEAM,
      botUserId: BOT,
      signingSecret: SIGNING_SECRET,
      boundSenders: ['U0ROLES01'],
    }));
    dataDir = await mkdtemp(join(tmpdir(), 'sb-roles-'));
    env = {
      ...process.env,
      DATABASE_URL: created.url,
      SWITCHBOARD_SECRET_KEY: secretKey,
      SWITCHBOARD_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
  });
  afterAll(async () => {
    for (const hub of hubs) await killHard(hub);
    await agent?.close();
    await fakeSlack?.close();
    await runtime?.close();
    await created?.drop();
    if (dataDir) {
      await rm(dataDir, { recursive: true, force: true });
      await rm(`${dataDir}-w`, { recursive: true, force: true });
    }
  });

  const post = (hub: HubProcess, body: unknown) => {
    const raw = JSON.stringify(body);
    return fetch(`${hub.url}/hooks/${installationId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, raw) },
      body: raw,
    });
  };

  it('records at the ingress process and delivers from the worker process only', {
    timeout: 180_000,
  }, async () => {
    const ingress = await startHubProcess(['--role', 'ingress'], env);
    hubs.push(ingress);
    expect(ingress.output()).toContain('"role":"ingress"');
    const ids = ['Ev0ROLE0001', 'Ev0ROLE0002', 'Ev0ROLE0003'];
    for (const eventId of ids) {
      const res = await post(ingress, slackMessage({ eventId, user: 'U0ROLES01', text: `hi ${eventId}` }));
      expect(res.status).toBe(200);
    }
    const recorded = await runtime.database.prisma.channelInboundMessageDedup.count({
      where: { installationId },
    });
    expect(recorded).toBe(ids.length);
    // Ingress alone delivers nothing: give its (absent) workers a few poll intervals.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(agent.deliveries).toHaveLength(0);

    const worker = await startHubProcess(['--role', 'worker'], {
      ...env,
      SWITCHBOARD_DATA_DIR: `${dataDir}-w`,
    });
    hubs.push(worker);
    await vi.waitFor(() => expect(agent.delivered().size).toBe(ids.length), {
      timeout: 60_000,
      interval: 100,
    });
    const texts = agent.deliveries.map((delivery) => delivery.body.message.text);
    expect(texts).toEqual(ids.map((id) => `hi ${id}`));

    // The worker serves health and metrics, not the API or webhooks.
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect((await post(worker, slackMessage({ eventId: 'Ev0ROLE0004', user: 'U0ROLES01' }))).status).toBe(
      404,
    );
    expect((await fetch(`${worker.url}/api/v1/workspaces`)).status).toBe(404);
  });

  it('refuses an unknown role before touching the database', async () => {
    await expect(startHubProcess(['--role', 'everything'], env)).rejects.toThrow(
      /argument 'everything' is invalid/,
    );
  });
});
