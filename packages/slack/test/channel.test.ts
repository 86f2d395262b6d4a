import {
  Capability,
  capabilityNames,
  checkDeclaredCapabilities,
  has,
  noopLogger,
  Registry,
} from '@switchboard/core';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackChannelFactory, SlackChannel } from '../src/index.js';
import { baseConfig, channelContext, createChannel, INSTALLATION_ID, signedFixture } from './helpers.js';

let fake: FakeSlack | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('createSlackChannelFactory', () => {
  it('registers as "slack" and creates Slack channels', () => {
    const factory = createSlackChannelFactory();
    expect(factory).toMatchObject({ type: 'slack', displayName: 'Slack' });
    const registry = new Registry().register(factory);
    const registered = registry.get('slack');
    const channel = registered.create(registered.configSchema.parse(baseConfig), {
      installationId: INSTALLATION_ID,
      logger: noopLogger,
    });
    expect(channel).toBeInstanceOf(SlackChannel);
    expect(channel.type).toBe('slack');
  });
});

describe('SlackChannel', () => {
  it('declares exactly what it implements', () => {
    const channel = createChannel();
    expect(capabilityNames(channel.capabilities())).toEqual([
      'text',
      'media',
      'threads',
      'edit',
      'webhook',
      'auto_provision',
    ]);
    expect(has(channel.capabilities(), Capability.LongConnection)).toBe(false);
    expect(checkDeclaredCapabilities(channel)).toEqual([]);
  });

  it('connects and disconnects trivially in events mode', async () => {
    const channel = createChannel();
    await expect(channel.connect(channelContext())).resolves.toBeUndefined();
    await expect(channel.disconnect()).resolves.toBeUndefined();
  });

  it('verifies and parses a webhook end to end, then replies in the thread', async () => {
    fake = await startFakeSlack();
    const channel = createChannel({ api_base_url: fake.url });
    const req = signedFixture('app_mention_channel');
    expect(channel.webhook!.verify(req)).toEqual({ ok: true });
    const [event] = channel.webhook!.parse(req).events;
    if (event?.kind !== 'message') throw new Error('expected a message');
    await channel.send({
      target: {
        chatId: event.message.source.chatId,
        reply: { replyToMessageId: event.message.platformMessageId },
      },
      text: 'Checking the deploy now',
      idempotencyKey: event.eventId,
    });
    expect(fake.callsTo('chat.postMessage')[0]?.params).toMatchObject({
      channel: 'C0LAN2Q65',
      thread_ts: '1712345700.000200',
    });
  });

  it('refuses a webhook signed with another secret', () => {
    const channel = createChannel({ signing_secret: 'a-different-signing-secret' });
    expect(channel.webhook!.verify(signedFixture('message_im'))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });
});
