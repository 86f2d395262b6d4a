import type { EgressLookup } from '@switchboard/core';
import { noopLogger } from '@switchboard/core';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackChannelFactory } from '../src/index.js';
import { BOT_TOKEN, baseConfig, INSTALLATION_ID } from './helpers.js';

let fake: FakeSlack;

beforeEach(async () => {
  fake = await startFakeSlack({ botTokens: [BOT_TOKEN] });
});

afterEach(async () => {
  await fake.close();
});

/** The fake's URL under a name only the given lookup can resolve. */
function namedUrl(): string {
  const url = new URL(fake.url);
  url.hostname = 'slack.egress.test';
  return url.toString();
}

function channelWith(lookup: EgressLookup) {
  const factory = createSlackChannelFactory();
  const config = factory.configSchema.parse({ ...baseConfig, api_base_url: namedUrl() });
  return factory.create(config, { installationId: INSTALLATION_ID, logger: noopLogger, lookup });
}

const send = (channel: ReturnType<typeof channelWith>) =>
  channel.send({ target: { chatId: 'C0LAN2Q65' }, text: 'hello', idempotencyKey: 'egress-1' });

describe('Slack Web API calls and the egress lookup', () => {
  it('resolves every connection through the lookup it is given', async () => {
    const asked: string[] = [];
    const channel = channelWith((hostname, options, callback) => {
      asked.push(hostname);
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    });
    await send(channel);
    expect(asked).toContain('slack.egress.test');
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('makes no call when the lookup refuses the address', async () => {
    const channel = channelWith((_hostname, _options, callback) => {
      callback(
        Object.assign(new Error('egress refused: 127.0.0.1 is loopback'), { code: 'egress_refused' }),
        '',
      );
    });
    await expect(send(channel)).rejects.toThrow();
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });
});
