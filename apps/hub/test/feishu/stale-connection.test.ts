import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/**
 * The supervisor, not the SDK, owns a Feishu connection's staleness: the fake keeps the socket
 * open but stops answering pings, and the hub must notice from the missing pongs alone.
 */
// Staleness is the supervisor's timers, not SQL: one database kind is enough (the lease code has
// its own suites on both).
describe('a Feishu connection whose pongs stop [pglite]', () => {
  const kind = 'pglite';
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let agent: FakeAgent;
  let setup: Awaited<ReturnType<typeof installFeishu>>;

  beforeAll(async () => {
    hub = await startHubFixture(kind, {
      registry: feishuRegistry(),
      // Two missed 1 s heartbeats make a connection stale; three stale restarts in a row spend the budget.
      connections: { leaseTtlMs: 3_000, scanEveryMs: 100, missedHeartbeats: 2, restartBudget: 3 },
      statusIntervalMs: 100,
      health: { intervalMs: 100 },
    });
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
      pingInterval: 1,
    });
    agent = await startFakeAgent();
    feishu.users.set('ou_stale1', { open_id: 'ou_stale1', union_id: 'on_stale1', name: 'Stale' });
    setup = await installFeishu(hub, feishu, agent, 'fsstale');
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await agent?.close();
  });

  const endpointCalls = () => feishu.calls.filter((call) => call.path === '/callback/ws/endpoint').length;
  const status = async () => {
    const res = await hub.request(
      'GET',
      `/api/v1/workspaces/fsstale/installations/${setup.installationId}/status`,
      { token: setup.token },
    );
    expect(res.status).toBe(200);
    return res.body.runtime as {
      connectionState: string;
      lastError?: string;
      reconnectAttempts: number;
      problems: Array<{ code: string; message: string; hint: string }>;
    };
  };

  it('restarts the connection after two missed pongs, says why, and recovers once pongs return', async () => {
    await eventually(
      async () => ((await status()).connectionState === 'connected' ? true : undefined),
      20_000,
    );
    await eventually(() => (feishu.pings() >= 2 ? true : undefined), 10_000);
    const connectsBefore = endpointCalls();

    feishu.silence(true);
    const restarted = await eventually(async () => {
      const runtime = await status();
      return endpointCalls() > connectsBefore && /stale connection/.test(runtime.lastError ?? '')
        ? runtime
        : undefined;
    }, 20_000);
    expect(restarted.lastError).toMatch(/no pong/);

    // Pongs again: the new connection proves itself and its failed-attempt count goes back to 0.
    feishu.silence(false);
    await eventually(async () => {
      const runtime = await status();
      return runtime.connectionState === 'connected' && runtime.reconnectAttempts === 0 ? true : undefined;
    }, 20_000);
    const ack = await pushUntilAcked(
      feishu,
      feishuMessage({ eventId: 'ev_after_stale', openId: 'ou_stale1' }),
    );
    expect(ack.code).toBe(200);
    await eventually(() => agent.deliveries.find((d) => d.body.message?.text === 'hello'), 20_000);
  }, 60_000);

  it('stops after the restart budget when every new connection stays silent, with the problem shown', async () => {
    feishu.silence(true);
    const failed = await eventually(async () => {
      const runtime = await status();
      return runtime.connectionState === 'failed' ? runtime : undefined;
    }, 45_000);
    expect(failed.lastError).toMatch(/stale connection/);
    const problem = await eventually(async () =>
      (await status()).problems.find((p) => p.code === 'restart_budget_exhausted'),
    );
    expect(problem.message).toMatch(/stale connection/);
    expect(problem.hint).not.toBe('');
    // Failed means failed: no more connects while the budget is spent.
    const connects = endpointCalls();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(endpointCalls()).toBe(connects);
  }, 90_000);
});
