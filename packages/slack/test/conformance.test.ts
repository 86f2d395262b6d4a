import { readdirSync } from 'node:fs';
import { type ChannelConformanceOptions, describeChannelConformance } from '@switchboard/testkit/conformance';
import { signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { createSlackChannelFactory, type SlackChannelConfig } from '../src/index.js';
import {
  APP_ID,
  APP_TOKEN,
  BOT_TOKEN,
  BOT_USER_ID,
  baseConfig,
  fixtureBytes,
  SIGNING_SECRET,
} from './helpers.js';

const fixtureNames = readdirSync(new URL('./fixtures/', import.meta.url))
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.replace(/\.json$/, ''))
  .sort();

const shared: Omit<ChannelConformanceOptions<SlackChannelConfig>, 'validConfig' | 'name'> = {
  factory: createSlackChannelFactory({ connectTimeoutMs: 2000 }),
  skipMediaChecks:
    'Slack declares Media for the files it receives; sending OutboundMessage.media is not built yet',
  invalidConfigs: {
    'a missing signing secret': { ...baseConfig, signing_secret: undefined },
    'a user token as bot token': { ...baseConfig, bot_token: 'xoxp-1-2-3' },
    'socket mode without an app token': { ...baseConfig, mode: 'socket' },
    'an unknown mode': { ...baseConfig, mode: 'rtm' },
  },
  secretKeys: ['signing_secret', 'bot_token', 'app_token'],
  startPlatform: async () => {
    const fake = await startFakeSlack({
      botTokens: [BOT_TOKEN],
      appTokens: [APP_TOKEN],
      appId: APP_ID,
      botUserId: BOT_USER_ID,
    });
    return {
      apiBaseUrl: fake.url,
      messageText: (target, ts) => fake.messages.get(`${target.chatId}:${ts}`)?.text,
      waitForConnections: (count) => fake.waitForSocketConnections(count),
      pushEvent: async () => {
        await fake.pushEvent(JSON.parse(new TextDecoder().decode(fixtureBytes('app_mention_channel'))));
      },
      close: () => fake.close(),
    };
  },
  sendTargets: [{ chatId: 'C0LAN2Q65' }, { chatId: 'C0LAN2Q65', reply: { threadId: '1712345700.000200' } }],
};

describeChannelConformance({
  ...shared,
  name: 'slack channel conformance (events mode)',
  validConfig: { ...baseConfig },
  webhook: {
    fixtures: fixtureNames.map((name) => ({ name, body: fixtureBytes(name) })),
    sign: (rawBody, { timestampSeconds }) => ({
      ...signSlackRequest(SIGNING_SECRET, rawBody, timestampSeconds),
    }),
  },
});

describeChannelConformance({
  ...shared,
  name: 'slack channel conformance (socket mode)',
  validConfig: { ...baseConfig, mode: 'socket', app_token: APP_TOKEN },
});
