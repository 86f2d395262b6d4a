import { generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import {
  createTestDatabase,
  postgresTestUrl,
  type TestDatabase,
  testDatabaseKinds,
} from '@switchboard/db/testing';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import type { Supervisor } from '../../src/supervisor/index.js';
import { seedAgent, start } from '../supervisor/harness.js';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  APP_ID,
  APP_SECRET,
  BOT,
  eventually,
  feishuMessage,
  feishuRegistry,
  installFeishu,
  pushUntilAcked,
  TENANT,
} from './feishu-support.js';

describe.each(testDatabaseKinds())('Feishu long connection under the supervisor [%s]', (kind) => {
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let agent: FakeAgent;
  let setup: Awaited<ReturnType<typeof installFeishu>>;

  beforeAll(async () => {
    hub = await startHubFixture(kind, {
      registry: feishuRegistry(),
      connections: { leaseTtlMs: 3_000, scanEveryMs: 100 },
    });
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    agent = await startFakeAgent();
    for (let i = 0; i < 20; i++)
      feishu.users.set(`ou_s${i}`, { open_id: `ou_s${i}`, union_id: `on_s${i}`, name: `S ${i}` });
    setup = await installFeishu(hub, feishu, agent, 'fsws');
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await agent?.close();
  });

  it('loses nothing when the connection is killed mid-stream, and drops the re-pushed events', async () => {
    await eventually(() => (feishu.connections() === 1 ? true : undefined));
    const envelopes = Array.from({ length: 20 }, (_, i) =>
      feishuMessage({
        eventId: `ev_stream_${i}`,
        messageId: `om_stream_${i}`,
        openId: `ou_s${i}`,
        text: `stream ${i}`,
      }),
    );
    // Half are pushed and acked; the connection dies while the rest are in flight.
    for (const envelope of envelopes.slice(0, 10)) await pushUntilAcked(feishu, envelope);
    const inFlight = envelopes
      .slice(10, 15)
      .map((envelope) => feishu.push(envelope, { timeoutMs: 2_000 }).catch(() => undefined));
    feishu.dropConnections();
    await Promise.all(inFlight);

    // The supervisor restarts the connection and says why in the installation's status.
    await eventually(() => (feishu.connections() === 1 ? true : undefined));
    const runtime = await eventually(async () => {
      const res = await hub.request('GET', `/api/v1/workspaces/fsws/installations/${setup.installationId}`, {
        token: setup.token,
      });
      return res.body?.runtime?.lastError && res.body.runtime.reconnectCount >= 1
        ? res.body.runtime
        : undefined;
    });
    expect(runtime.lastError).toMatch(/Feishu long connection/);

    // Feishu pushes everything it has no ack for again, and the first ten once more for good measure.
    for (const envelope of envelopes) await pushUntilAcked(feishu, envelope);
    await eventually(() => {
      const texts = new Set(agent.deliveries.map((d) => d.body.message?.text as string));
      return envelopes.every((_, i) => texts.has(`stream ${i}`)) ? true : undefined;
    }, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < 20; i++) {
      expect(
        agent.deliveries.filter((d) => d.body.message?.text === `stream ${i}`).length,
        `stream ${i}`,
      ).toBe(1);
    }
  }, 120_000);
});

describe.runIf(postgresTestUrl())(
  'two hub replicas on one PostgreSQL hold one Feishu connection [postgres]',
  () => {
    let test: TestDatabase;
    let feishu: FakeFeishu;
    let replicaA: HubRuntime;
    let replicaB: HubRuntime;
    const running: Supervisor[] = [];
    const secretKey = generateSecretKey();

    beforeAll(async () => {
      test = await createTestDatabase('postgres');
      feishu = await startFakeFeishu({
        appId: APP_ID,
        appSecret: APP_SECRET,
        tenantKey: TENANT,
        botOpenId: BOT,
      });
      const runtime = (database: TestDatabase['db']) =>
        createHubRuntime({ database, secrets: SecretBox.fromSpec(secretKey), registry: feishuRegistry() });
      replicaA = runtime(test.db);
      replicaB = runtime(await openDatabase({ url: test.url, poolSize: 3 }));
    });
    afterAll(async () => {
      await Promise.all(running.map((supervisor) => supervisor.stop()));
      await replicaB?.close();
      await feishu?.close();
      await test?.drop();
    });

    it('connects only one replica, and the other takes over when it stops', async () => {
      const { workspaceId, agentId } = await seedAgent(replicaA);
      const installation = await replicaA.stores.installations.create({
        workspaceId,
        agentId,
        channelType: 'feishu',
        config: { app_id: APP_ID, mode: 'websocket', api_base_url: feishu.url, detected_tenant_key: TENANT },
        secrets: { app_secret: APP_SECRET },
      });
      const a = start(replicaA, { leaseTtlMs: 800, renewEveryMs: 200, scanEveryMs: 50 });
      const b = start(replicaB, { leaseTtlMs: 800, renewEveryMs: 200, scanEveryMs: 50 });
      running.push(a.supervisor, b.supervisor);
      await eventually(() => (feishu.connections() === 1 ? true : undefined));
      const holders = () => [a, b].filter((r) => r.supervisor.status(installation.id)?.connected === true);
      await eventually(() => (holders().length === 1 ? true : undefined));
      // Stable: a while later still one connection, one holder.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(feishu.connections()).toBe(1);
      expect(holders()).toHaveLength(1);

      const holder = holders()[0] as typeof a;
      const other = holder === a ? b : a;
      await holder.supervisor.stop();
      await eventually(
        () => (other.supervisor.status(installation.id)?.connected === true ? true : undefined),
        20_000,
      );
      await eventually(() => (feishu.connections() === 1 ? true : undefined));
      const ack = await pushUntilAcked(feishu, feishuMessage({ eventId: 'ev_takeover', openId: 'ou_t' }));
      expect(ack.code).toBe(200);
      expect(other.emitted.map((e) => e.event.eventId)).toContain('ev_takeover');
    }, 60_000);
  },
);
