import {
  Capability,
  type ChannelContext,
  capabilityNames,
  checkDeclaredCapabilities,
  has,
  type InboundEvent,
  noopLogger,
  PlatformError,
} from '@switchboard/core';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackChannel } from '../src/index.js';
import { APP_ID, APP_TOKEN, BOT_TOKEN, createChannel, fixtureBytes, INSTALLATION_ID } from './helpers.js';

let fake: FakeSlack;
const channels: SlackChannel[] = [];

beforeEach(async () => {
  fake = await startFakeSlack({ botTokens: [BOT_TOKEN], appTokens: [APP_TOKEN], appId: APP_ID });
});

afterEach(async () => {
  for (const channel of channels.splice(0)) await channel.disconnect();
  await fake.close();
});

function socketChannel(overrides: { app_token?: string } = {}, options: { connectTimeoutMs?: number } = {}) {
  const channel = createChannel(
    { mode: 'socket', app_token: APP_TOKEN, api_base_url: fake.url, ...overrides },
    options,
  );
  channels.push(channel);
  return channel;
}

/** A promise with its settle functions, to hold `emit` open for as long as a test needs. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface TestContext extends ChannelContext {
  emitted: InboundEvent[];
  lost: Error[];
  /** Resolves with the first error passed to reportConnectionLost. */
  nextLoss: Promise<Error>;
  abort(): void;
}

function context(emit?: (event: InboundEvent) => Promise<void>): TestContext {
  const controller = new AbortController();
  const emitted: InboundEvent[] = [];
  const lost: Error[] = [];
  const loss = deferred<Error>();
  return {
    installationId: INSTALLATION_ID,
    workspaceId: 'ws-1',
    logger: noopLogger,
    signal: controller.signal,
    emitted,
    lost,
    nextLoss: loss.promise,
    abort: () => controller.abort(),
    emit: async (event) => {
      emitted.push(event);
      await emit?.(event);
    },
    reportConnectionLost: (error) => {
      lost.push(error);
      loss.resolve(error);
    },
  };
}

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(fixtureBytes(name)).toString('utf8')) as Record<string, unknown>;

describe('SlackChannel in socket mode', () => {
  it('declares a long connection instead of a webhook', () => {
    const channel = socketChannel();
    expect(capabilityNames(channel.capabilities())).toEqual([
      'text',
      'media',
      'threads',
      'edit',
      'long_connection',
      'auto_provision',
    ]);
    expect(has(channel.capabilities(), Capability.Webhook)).toBe(false);
    expect(channel.webhook).toBeUndefined();
    expect(checkDeclaredCapabilities(channel)).toEqual([]);
  });

  it('connects with the app token once Slack says hello', async () => {
    const channel = socketChannel();
    await channel.connect(context());
    expect(fake.socketConnections()).toBe(1);
    const [open] = fake.callsTo('apps.connections.open');
    expect(open?.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
  });

  it('emits each event and acks the envelope after emit resolved', async () => {
    const channel = socketChannel();
    const ctx = context();
    await channel.connect(ctx);
    const ack = await fake.pushEvent(fixture('app_mention_channel'));
    expect(fake.acks).toEqual([ack]);
    expect(ctx.emitted).toHaveLength(1);
    const [event] = ctx.emitted;
    if (event?.kind !== 'message') throw new Error('expected a message');
    expect(event.eventId).toBe('Ev06TQA2B3C4');
    expect(event.message.source).toMatchObject({
      channelType: 'slack',
      chatId: 'C0LAN2Q65',
      chatType: 'group',
    });
    expect(event.message.mentionsBot).toBe(true);
  });

  it('holds the ack until emit resolves', async () => {
    const held = deferred();
    const emitCalled = deferred();
    const ctx = context(async (event) => {
      if (event.eventId !== 'Ev06TQA2B3C4') return;
      emitCalled.resolve();
      await held.promise;
    });
    const channel = socketChannel();
    await channel.connect(ctx);
    const first = fake.pushEvent(fixture('app_mention_channel'), { envelopeId: 'env-held' });
    await emitCalled.promise;
    // Acks on one socket arrive in order: once the second is in, an early first ack would be too.
    await fake.pushEvent(fixture('message_im'), { envelopeId: 'env-free' });
    expect(fake.acks.map((ack) => ack.envelopeId)).toEqual(['env-free']);
    held.resolve();
    await first;
    expect(fake.acks.map((ack) => ack.envelopeId)).toEqual(['env-free', 'env-held']);
  });

  it('does not ack when emit rejects, so Slack redelivers', async () => {
    const rejected = deferred();
    let failures = 1;
    const ctx = context(async () => {
      if (failures-- > 0) {
        rejected.resolve();
        throw new Error('inbox unavailable');
      }
    });
    const channel = socketChannel();
    await channel.connect(ctx);
    void fake
      .pushEvent(fixture('app_mention_channel'), { envelopeId: 'env-1', timeoutMs: 60_000 })
      .catch(() => {});
    await rejected.promise;
    await fake.pushEvent(fixture('message_im'), { envelopeId: 'env-2' });
    expect(fake.acks.map((ack) => ack.envelopeId)).toEqual(['env-2']);
    // The redelivery carries the same event_id; this time it is recorded and acked.
    await fake.pushEvent(fixture('app_mention_channel'), { envelopeId: 'env-1', retryAttempt: 1 });
    expect(ctx.emitted.map((event) => event.eventId)).toEqual([
      'Ev06TQA2B3C4',
      expect.any(String),
      'Ev06TQA2B3C4',
    ]);
  });

  it('acks a payload that can never parse without emitting it', async () => {
    const ctx = context();
    const channel = socketChannel();
    await channel.connect(ctx);
    await fake.pushEvent({ type: 'event_callback', event: 'not an object' });
    expect(ctx.emitted).toEqual([]);
    expect(fake.acks).toHaveLength(1);
  });

  it('disconnects cleanly and idempotently, without reporting a loss', async () => {
    const channel = socketChannel();
    const ctx = context();
    await channel.connect(ctx);
    await channel.disconnect();
    await fake.waitForSocketConnections(0);
    await expect(channel.disconnect()).resolves.toBeUndefined();
    expect(ctx.lost).toEqual([]);
    expect(fake.socketConnectCount).toBe(1);
  });

  it('disconnects when the context is aborted', async () => {
    const channel = socketChannel();
    const ctx = context();
    await channel.connect(ctx);
    ctx.abort();
    await fake.waitForSocketConnections(0);
    expect(ctx.lost).toEqual([]);
    await expect(channel.connect(ctx)).rejects.toThrow();
  });

  it('rejects a bad app token as unauthorized invalid_auth', async () => {
    const channel = socketChannel({ app_token: 'xapp-1-A0PNCHHK2-0-revoked' });
    const error = await channel.connect(context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ kind: 'unauthorized', platformCode: 'invalid_auth' });
    expect(fake.socketConnectCount).toBe(0);
    expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
  });

  it('rejects as transient when the socket is refused (an outage)', async () => {
    fake.refuseSockets();
    const channel = socketChannel();
    const error = await channel.connect(context()).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'transient', message: expect.stringContaining('503') });
    expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
  });

  it('rejects when Slack never says hello, and closes the socket', async () => {
    fake.withholdHello();
    const channel = socketChannel({}, { connectTimeoutMs: 100 });
    await expect(channel.connect(context())).rejects.toMatchObject({ kind: 'transient' });
    await fake.waitForSocketConnections(0);
  });

  it('reports a refresh as a transient loss, and connects again', async () => {
    const channel = socketChannel();
    const ctx = context();
    await channel.connect(ctx);
    await fake.disconnectAll('refresh_requested');
    const error = await ctx.nextLoss;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ kind: 'transient', platformCode: 'refresh_requested' });
    // What the supervisor does next: connect the same channel again.
    await channel.connect(ctx);
    expect(fake.socketConnections()).toBe(1);
    expect(fake.socketConnectCount).toBe(2);
    await fake.pushEvent(fixture('message_im'));
    expect(ctx.lost).toHaveLength(1);
  });

  it('reports a network drop once, and a disabled link as permanent', async () => {
    const channel = socketChannel();
    const dropped = context();
    await channel.connect(dropped);
    await fake.dropSockets();
    expect(await dropped.nextLoss).toMatchObject({ kind: 'transient', platformCode: 'connection_closed' });
    await channel.disconnect();
    expect(dropped.lost).toHaveLength(1);

    const disabled = context();
    await channel.connect(disabled);
    await fake.disconnectAll('link_disabled');
    expect(await disabled.nextLoss).toMatchObject({ kind: 'permanent', platformCode: 'link_disabled' });
  });
});
