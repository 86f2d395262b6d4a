import { readFileSync } from 'node:fs';
import { type ChannelContext, type InboundEvent, noopLogger, type WebhookRequest } from '@switchboard/core';
import { createSignedSlackRequest } from '@switchboard/testkit/fakes/slack';
import { createSlackChannelFactory, type SlackChannel, type SlackChannelConfigInput } from '../src/index.js';

export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const BOT_TOKEN = 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy';
export const APP_TOKEN = 'xapp-1-A0PNCHHK2-6473925839041-0c1e2b7a9d';
export const TEAM_ID = 'T061EG9R6';
export const APP_ID = 'A0PNCHHK2';
export const BOT_USER_ID = 'U0LAN0Z89';
export const INSTALLATION_ID = 'inst-slack-1';

export const baseConfig: SlackChannelConfigInput = {
  signing_secret: SIGNING_SECRET,
  bot_token: BOT_TOKEN,
  app_id: APP_ID,
  team_id: TEAM_ID,
  bot_user_id: BOT_USER_ID,
};

/** The exact bytes of a fixture file, as Slack would have posted them. */
export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url));
}

export function signedFixture(name: string, receivedAt = new Date()): WebhookRequest {
  return createSignedSlackRequest({ signingSecret: SIGNING_SECRET, body: fixtureBytes(name), receivedAt });
}

export function createChannel(
  overrides: Partial<SlackChannelConfigInput> = {},
  options: { requestTimeoutMs?: number; connectTimeoutMs?: number } = {},
): SlackChannel {
  const factory = createSlackChannelFactory({
    requestTimeoutMs: options.requestTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
  });
  const config = factory.configSchema.parse({ ...baseConfig, ...overrides });
  return factory.create(config, {
    installationId: INSTALLATION_ID,
    logger: noopLogger,
  });
}

export function channelContext(emitted: InboundEvent[] = []): ChannelContext {
  return {
    installationId: INSTALLATION_ID,
    workspaceId: 'ws-1',
    logger: noopLogger,
    signal: new AbortController().signal,
    emit: async (event) => {
      emitted.push(event);
    },
  };
}
