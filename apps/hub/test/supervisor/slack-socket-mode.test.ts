// The supervisor over the real Slack adapter in Socket Mode, against the fake Slack server: the
// sockets the fake sees open are the ground truth for "connected".
import { generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import {
  createTestDatabase,
  postgresTestUrl,
  type TestDatabase,
  testDatabaseKinds,
} from '@switchboard/db/testing';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import type { Supervisor } from '../../src/supervisor/index.js';
import { testChannelRegistry } from '../support/channels.js';
import { seedAgent, start } from './harness.js';

const wait = { timeout: 20_000, interval: 20 };
const APP_TOKEN = 'xapp-1-socket-test';
const BOT_TOKEN = 'xoxb-socket-test';
let apps = 0;

function slackRuntime(database: TestDatabase['db'], secretKey: string): HubRuntime {
  return createHubRuntime({
    database,
    secrets: SecretBox.fromSpec(secretKey),
    registry: testChannelRegistry(),
  });
}

async function socketInstallation(runtime: HubRuntime, fake: FakeSlack): Promise<string> {
  const { workspaceId, agentId } = await seedAgent(runtime);
  const installation = await runtime.stores.installations.create({
    workspaceId,
    agentId,
    channelType: 'slack',
    config: {
      // One installation per Slack app: the app id is unique across installations.
      app_id: `A0SOCKET${++apps}`,
      team_id: 'T061EG9R6',
      bot_user_id: 'U0LAN0Z89',
      mode: 'socket',
      api_base_url: fake.url,
    },
    secrets: { signing_secret: 'not-used-in-socket-mode', bot_token: BOT_TOKEN, app_token: APP_TOKEN },
  });
  return installation.id;
}

const appMention = {
  type: 'event_callback',
  team_id: 'T061EG9R6',
  api_app_id: 'A0PNCHHK2',
  event_id: 'Ev0SUPERVISED',
  event_time: 1712345700,
  event: {
    type: 'app_mention',
    user: 'U061F7AUR',
    text: '<@U0LAN0Z89> status?',
    ts: '1712345700.000200',
    channel: 'C0LAN2Q65',
    event_ts: '1712345700.000200',
  },
};

describe.each(testDatabaseKinds())('supervisor over Slack Socket Mode [%s]', (kind) => {
  let test: TestDatabase;
  let runtime: HubRuntime;
  let fake: FakeSlack;
  const running: Supervisor[] = [];

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    runtime = slackRuntime(test.db, generateSecretKey());
  });
  beforeEach(async () => {
    fake = await startFakeSlack({ botTokens: [BOT_TOKEN], appTokens: [APP_TOKEN] });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((supervisor) => supervisor.stop()));
    await fake.close();
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('opens one socket, hands pushed events to emit, and reconnects when Slack closes it', async () => {
    const id = await socketInstallation(runtime, fake);
    const { supervisor, emitted } = start(runtime);
    running.push(supervisor);
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);
    expect(fake.socketConnections()).toBe(1);

    const ack = await fake.pushEvent(appMention);
    expect(ack).toBeDefined();
    expect(emitted.map(({ installationId, event }) => [installationId, event.eventId])).toEqual([
      [id, 'Ev0SUPERVISED'],
    ]);

    await fake.disconnectAll('refresh_requested');
    await vi.waitFor(() => {
      expect(fake.socketConnectCount).toBe(2);
      expect(fake.socketConnections()).toBe(1);
      expect(supervisor.status(id)?.state).toBe('connected');
    }, wait);

    await supervisor.stop();
    await fake.waitForSocketConnections(0);
  });
});

describe.runIf(postgresTestUrl())('two replicas over Slack Socket Mode [postgres]', () => {
  let test: TestDatabase;
  let fake: FakeSlack;
  let replicaA: HubRuntime;
  let replicaB: HubRuntime;
  const running: Supervisor[] = [];

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    const key = generateSecretKey();
    replicaA = slackRuntime(test.db, key);
    replicaB = slackRuntime(await openDatabase({ url: test.url, poolSize: 3 }), key);
    fake = await startFakeSlack({ botTokens: [BOT_TOKEN], appTokens: [APP_TOKEN] });
  });
  afterAll(async () => {
    await Promise.all(running.splice(0).map((supervisor) => supervisor.stop()));
    await fake?.close();
    await replicaB?.close();
    await test?.drop();
  });

  it('keeps at most one socket open across replicas, and the survivor reopens it after a crash', async () => {
    const id = await socketInstallation(replicaA, fake);
    const timings = { leaseTtlMs: 600, renewEveryMs: 200, scanEveryMs: 50 };
    const a = start(replicaA, { ...timings, ownerId: 'replica-a' }).supervisor;
    const b = start(replicaB, { ...timings, ownerId: 'replica-b' }).supervisor;
    running.push(a, b);
    // Sampled from both replicas' statuses: a socket the fake still counts while its close
    // handshake finishes is not a second holder.
    let doubleHolders = 0;
    const sampler = setInterval(() => {
      if (a.status(id)?.connected && b.status(id)?.connected) doubleHolders++;
    }, 5);
    try {
      await vi.waitFor(() => expect([a, b].filter((s) => s.status(id)?.connected)).toHaveLength(1), wait);
      await vi.waitFor(() => expect(fake.socketConnections()).toBe(1), wait);
      const [holder, survivor] = a.status(id)?.connected ? [a, b] : [b, a];
      const opened = fake.socketConnectCount;
      await holder.stop({ release: false });
      await vi.waitFor(() => {
        expect(survivor.status(id)?.state).toBe('connected');
        expect(fake.socketConnections()).toBe(1);
      }, wait);
      expect(fake.socketConnectCount).toBeGreaterThan(opened);
    } finally {
      clearInterval(sampler);
    }
    expect(doubleHolders).toBe(0);
  });
});
