// Two `switchboard start` processes on one PostgreSQL database, one Slack installation in Socket
// Mode against the fake Slack: the sockets the fake sees are what the platform would see.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase, postgresTestUrl } from '@switchboard/db/testing';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { testChannelRegistry } from '../support/channels.js';
import { type HubProcess, killHard, startHubProcess } from '../support/hub-process.js';
import { leaseRow, seedAgent } from './harness.js';

const APP_TOKEN = 'xapp-1-two-processes';
const BOT_TOKEN = 'xoxb-two-processes';
const LEASE_TTL_MS = 2_000;

describe.runIf(postgresTestUrl())('two hub processes holding one Socket Mode installation [postgres]', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let runtime: HubRuntime;
  let fake: FakeSlack;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let installationId: string;
  const hubs: HubProcess[] = [];

  beforeAll(async () => {
    created = await createPostgresDatabase('sb_supervisor');
    const database = await openDatabase({ url: created.url, poolSize: 2 });
    await applyMigrations({ adapterFactory: database.adapterFactory });
    const secretKey = generateSecretKey();
    runtime = createHubRuntime({
      database,
      secrets: SecretBox.fromSpec(secretKey),
      registry: testChannelRegistry(),
    });
    fake = await startFakeSlack({ botTokens: [BOT_TOKEN], appTokens: [APP_TOKEN] });
    const { workspaceId, agentId } = await seedAgent(runtime);
    installationId = (
      await runtime.stores.installations.create({
        workspaceId,
        agentId,
        channelType: 'slack',
        config: {
          app_id: 'A0TWOPROC1',
          team_id: 'T061EG9R6',
          bot_user_id: 'U0LAN0Z89',
          mode: 'socket',
          api_base_url: fake.url,
        },
        secrets: { signing_secret: 'unused-in-socket-mode', bot_token: BOT_TOKEN, app_token: APP_TOKEN },
      })
    ).id;
    dataDir = await mkdtemp(join(tmpdir(), 'sb-supervisor-'));
    env = {
      ...process.env,
      DATABASE_URL: created.url,
      SWITCHBOARD_SECRET_KEY: secretKey,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_LEASE_TTL_MS: String(LEASE_TTL_MS),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    delete env.SWITCHBOARD_CONNECTIONS_DISABLED;
  });
  afterAll(async () => {
    for (const hub of hubs) await killHard(hub);
    await fake?.close();
    await runtime?.close();
    await created?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // Lease holders are opaque replica ids; each process logs its own (with its pid) at start.
  const holder = async () => (await leaseRow(runtime, installationId))?.lease_owner ?? undefined;
  const replicaOf = (hub: HubProcess) => /"replicaId":"(replica-[0-9a-f]+)"/.exec(hub.output())?.[1];

  it('never opens the socket in both, and the survivor reopens it once the killed holder’s lease expires', {
    timeout: 180_000,
  }, async () => {
    let mostSockets = 0;
    const sampler = setInterval(() => {
      mostSockets = Math.max(mostSockets, fake.socketConnections());
    }, 5);
    try {
      const first = await startHubProcess([], env);
      hubs.push(first);
      await fake.waitForSocketConnections(1, 60_000);
      expect(await holder()).toBe(replicaOf(first));

      // The second process starts migrated and supervising, and finds the lease taken.
      const second = await startHubProcess([], env);
      hubs.push(second);
      await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_TTL_MS));
      expect(fake.socketConnectCount).toBe(1);
      expect(await holder()).toBe(replicaOf(first));

      await killHard(first);
      await vi.waitFor(
        async () => {
          expect(await holder()).toBe(replicaOf(second));
          expect(fake.socketConnections()).toBe(1);
        },
        { timeout: 60_000, interval: 50 },
      );
      expect(fake.socketConnectCount).toBe(2);
    } finally {
      clearInterval(sampler);
    }
    expect(mostSockets).toBe(1);
  });
});
