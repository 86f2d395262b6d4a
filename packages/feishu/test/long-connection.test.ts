import type { ChannelContext, InboundEvent } from '@switchboard/core';
import { encodeFrame, type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeishuChannel } from '../src/channel.js';
import { feishuConfigSchema } from '../src/config.js';
import { APP_ID, APP_SECRET, BOT, messageEnvelope, silentLogger, TENANT } from './helpers.js';

const waitFor = async <T>(probe: () => T | undefined, timeoutMs = 5_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('the long connection over pbbp2 frames', () => {
  let feishu: FakeFeishu;
  let channel: FeishuChannel;
  let emitted: InboundEvent[];
  let failEmit: boolean;
  let lost: Error[];
  let abort: AbortController;

  beforeEach(async () => {
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    const config = feishuConfigSchema.parse({
      app_id: APP_ID,
      app_secret: APP_SECRET,
      api_base_url: feishu.url,
    });
    channel = new FeishuChannel(config, { installationId: 'inst-ws', logger: silentLogger });
    emitted = [];
    failEmit = false;
    lost = [];
    abort = new AbortController();
    const ctx: ChannelContext = {
      installationId: 'inst-ws',
      workspaceId: 'ws-1',
      logger: silentLogger,
      signal: abort.signal,
      emit: async (event) => {
        // A commit takes a moment: the ack must wait for it.
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (failEmit) throw new Error('database down');
        emitted.push(event);
      },
      reportConnectionLost: (error) => lost.push(error),
    };
    await channel.connect(ctx);
  });
  afterEach(async () => {
    abort.abort();
    await channel?.disconnect();
    await feishu?.close();
  });

  it('detects the tenant and the bot at connect, and answers pings with a full pong', async () => {
    expect(channel.homeTenant()).toBe(TENANT);
    expect(feishu.connections()).toBe(1);
    await waitFor(() => feishu.pings() > 0);
  });

  it('acks an event only after it was recorded', async () => {
    const ack = await feishu.push(messageEnvelope({ eventId: 'ev_ws1', text: 'over ws' }));
    expect(ack.code).toBe(200);
    expect(emitted.map((e) => e.eventId)).toEqual(['ev_ws1']);
    expect(emitted[0]).toMatchObject({
      kind: 'message',
      message: { text: 'over ws', source: { tenantKey: TENANT } },
    });
  });

  it('answers 500 when the event cannot be recorded, so Feishu pushes it again', async () => {
    failEmit = true;
    const ack = await feishu.push(messageEnvelope({ eventId: 'ev_fail' }));
    expect(ack.code).toBe(500);
    expect(emitted).toEqual([]);
    failEmit = false;
    expect((await feishu.push(messageEnvelope({ eventId: 'ev_fail' }))).code).toBe(200);
    expect(emitted.map((e) => e.eventId)).toEqual(['ev_fail']);
  });

  it('joins a multi-part event', async () => {
    const ack = await feishu.push(messageEnvelope({ eventId: 'ev_parts', text: 'p'.repeat(3000) }), {
      parts: 3,
    });
    expect(ack.code).toBe(200);
    expect(emitted[0]).toMatchObject({ eventId: 'ev_parts', message: { text: 'p'.repeat(3000) } });
  });

  it('survives malformed frames, unknown frame types and a multi-part event missing a part', async () => {
    feishu.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    feishu.sendRaw(
      encodeFrame({
        seqId: 1,
        logId: 0,
        service: 7,
        method: 9,
        headers: [{ key: 'type', value: 'mystery' }],
      }),
    );
    feishu.sendRaw(
      encodeFrame({
        seqId: 2,
        logId: 0,
        service: 7,
        method: 1,
        headers: [{ key: 'type', value: 'card' }],
        payload: new Uint8Array([1]),
      }),
    );
    await expect(
      feishu.push(messageEnvelope({ eventId: 'ev_gap' }), { parts: 2, dropPart: 1, timeoutMs: 500 }),
    ).rejects.toThrow(/no ack/);
    // The connection is still usable: the next event goes through.
    expect((await feishu.push(messageEnvelope({ eventId: 'ev_after' }))).code).toBe(200);
    expect(emitted.map((e) => e.eventId)).toEqual(['ev_after']);
    expect(lost).toEqual([]);
  });

  it('reports a dropped connection to the supervisor instead of reconnecting by itself', async () => {
    feishu.dropConnections();
    await waitFor(() => lost.length > 0);
    expect(lost).toHaveLength(1);
    // The SDK's own reconnect loop is off: nothing reconnects until the supervisor asks.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(feishu.connections()).toBe(0);
  });
});

describe('a long connection that goes quiet', () => {
  it('reports every pong with its ping interval, and leaves a silent connection to the supervisor', async () => {
    const feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
      pingInterval: 1,
    });
    const config = feishuConfigSchema.parse({
      app_id: APP_ID,
      app_secret: APP_SECRET,
      api_base_url: feishu.url,
    });
    const channel = new FeishuChannel(config, { installationId: 'inst-quiet', logger: silentLogger });
    const lost: Error[] = [];
    const alive: Array<{ intervalMs?: number } | undefined> = [];
    const abort = new AbortController();
    try {
      await channel.connect({
        installationId: 'inst-quiet',
        workspaceId: 'ws-1',
        logger: silentLogger,
        signal: abort.signal,
        emit: async () => {},
        reportConnectionLost: (error) => lost.push(error),
        reportAlive: (heartbeat) => alive.push(heartbeat),
      });
      // Each pong is a sign of life, carrying the 1 s PingInterval of the fake's ClientConfig.
      await waitFor(() => alive.length >= 2, 10_000);
      expect(alive.every((heartbeat) => heartbeat?.intervalMs === 1_000)).toBe(true);
      feishu.silence(true);
      const pingsWhenSilenced = feishu.pings();
      const reportsWhenSilenced = alive.length;
      await waitFor(() => feishu.pings() >= pingsWhenSilenced + 3, 10_000);
      // No pong, no report; and the SDK does not decide on its own that the connection is dead.
      expect(alive.length).toBeLessThanOrEqual(reportsWhenSilenced + 1);
      expect(lost).toEqual([]);
      feishu.silence(false);
      await waitFor(() => alive.length > reportsWhenSilenced + 1, 10_000);
    } finally {
      abort.abort();
      await channel.disconnect();
      await feishu.close();
    }
  }, 30_000);
});
