import { definePlugin, type Registry } from '@switchboard/core';
import { signHubSignature256 } from '@switchboard/signing';
import slackPlugin from '@switchboard/slack';
import { type AppChatBatch, createAppChatChannelFactory, echoPlugin } from '@switchboard/testkit';
import { createChannelRegistry } from '../../src/channels/registry.js';
import type { HubFixture } from './hub-fixture.js';

export const APP_CHAT_APP = {
  app_key: 'app-7001',
  app_secret: 'app-chat-app-secret-0001',
  verify_token: 'app-chat-verify-0001',
};

/** The test registry plus `app-chat`, the test channel served by an app-level route. */
export function appChatRegistry(): Registry {
  return createChannelRegistry([
    { name: '@switchboard/slack', plugin: slackPlugin },
    { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
    { name: 'app-chat', plugin: definePlugin({ factories: [createAppChatChannelFactory()] }) },
  ]);
}

/** A batch with one change per phone number id, each carrying the given message ids. */
export function appChatBatch(changes: Record<string, string[]>): string {
  const body: AppChatBatch = {
    object: 'app_chat',
    entry: [
      {
        changes: Object.entries(changes).map(([phoneNumberId, ids]) => ({
          metadata: { phone_number_id: phoneNumberId },
          messages: ids.map((id) => ({ id, from: '4915112345678', text: `message ${id}` })),
        })),
      },
    ],
  };
  return JSON.stringify(body);
}

/** Posts a batch to the app's route, signed as the platform signs it (or with another secret). */
export function postAppBatch(
  hub: HubFixture,
  raw: string,
  options: { secret?: string; appKey?: string } = {},
): ReturnType<HubFixture['request']> {
  return hub.request('POST', `/hooks/app/app-chat/${options.appKey ?? APP_CHAT_APP.app_key}`, {
    raw,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': signHubSignature256(options.secret ?? APP_CHAT_APP.app_secret, Buffer.from(raw)),
    },
  });
}
