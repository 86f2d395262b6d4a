import { ConfigRejectedError, noopLogger } from '@switchboard/core';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackChannelFactory } from '../src/index.js';
import { APP_ID, BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET, TEAM_ID } from './helpers.js';

describe('Slack config at install time (auth.test, bots.info)', () => {
  let slack: FakeSlack;
  const factory = createSlackChannelFactory();
  const prepare = async (config: Record<string, unknown>) =>
    (factory.prepareConfig as NonNullable<typeof factory.prepareConfig>)(
      { api_base_url: slack.url, signing_secret: SIGNING_SECRET, ...config },
      {
        logger: noopLogger,
      },
    );

  beforeAll(async () => {
    slack = await startFakeSlack({
      botTokens: [BOT_TOKEN],
      teamId: TEAM_ID,
      botUserId: BOT_USER_ID,
      appId: APP_ID,
    });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('fills the team, bot user and app ids the token belongs to, and the result validates', async () => {
    const prepared = await prepare({ bot_token: BOT_TOKEN });
    expect(prepared).toMatchObject({ team_id: TEAM_ID, bot_user_id: BOT_USER_ID, app_id: APP_ID });
    expect(factory.configSchema.safeParse(prepared).success).toBe(true);
    expect(slack.callsTo('bots.info')[0]?.params).toMatchObject({ bot: 'B0FAKEBOT' });
  });

  it('keeps ids that were given when they match, and asks bots.info nothing then', async () => {
    const before = slack.callsTo('bots.info').length;
    const prepared = await prepare({ bot_token: BOT_TOKEN, team_id: TEAM_ID, app_id: APP_ID });
    expect(prepared).toMatchObject({ team_id: TEAM_ID, app_id: APP_ID, bot_user_id: BOT_USER_ID });
    expect(slack.callsTo('bots.info').length).toBe(before);
  });

  it("refuses a token Slack rejects with Slack's code", async () => {
    const refused = await prepare({ bot_token: 'xoxb-revoked' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigRejectedError);
    expect(refused).toMatchObject({ platformCode: 'invalid_auth', unreachable: false });
  });

  it('refuses a bot user id of another bot', async () => {
    await expect(prepare({ bot_token: BOT_TOKEN, bot_user_id: 'U0SOMEONE' })).rejects.toMatchObject({
      platformCode: 'bot_user_id_mismatch',
    });
  });

  it('leaves a config without a usable bot token to validation', async () => {
    expect(await prepare({ bot_token: 'nope' })).toMatchObject({ bot_token: 'nope' });
  });
});
