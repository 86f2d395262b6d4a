import { ErrorCode, type WebAPIPlatformError } from '@slack/web-api';
import { ConfigRejectedError, type PrepareConfigDeps } from '@switchboard/core';
import { createSlackWebClient } from './web-client.js';

/** The platform code used when Slack could not be asked at all (network, timeout). */
export const SLACK_UNREACHABLE = 'slack_unreachable';

function platformCode(error: unknown): string | undefined {
  return (error as { code?: string }).code === ErrorCode.PlatformError
    ? (error as WebAPIPlatformError).data.error
    : undefined;
}

function rejected(error: unknown, what: string): ConfigRejectedError {
  const code = platformCode(error);
  return code
    ? new ConfigRejectedError(code, `Slack refused the bot token (${what}: ${code})`, {
        cause: error,
        field: 'bot_token',
      })
    : new ConfigRejectedError(SLACK_UNREACHABLE, `could not reach Slack to check the bot token (${what})`, {
        cause: error,
        unreachable: true,
      });
}

/**
 * Install-time check of a Slack config: `auth.test` proves the bot token works and tells the team
 * and the bot user; `bots.info` tells the app the bot belongs to. Missing ids are filled in; ids
 * that were given must match what the token belongs to (a token of another workspace is refused).
 * A config without a bot token is left for validation to report.
 */
export async function prepareSlackConfig(
  input: Record<string, unknown>,
  deps: PrepareConfigDeps,
): Promise<Record<string, unknown>> {
  const token = input.bot_token;
  if (typeof token !== 'string' || !token.startsWith('xoxb-')) return input;
  const client = createSlackWebClient({
    token,
    ...(typeof input.api_base_url === 'string' ? { apiBaseUrl: input.api_base_url } : {}),
    logger: deps.logger,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const auth = await client.auth.test().catch((error: unknown) => {
    throw rejected(error, 'auth.test');
  });
  const found: Record<string, string | undefined> = {
    team_id: auth.team_id,
    bot_user_id: auth.user_id,
    app_id: (auth as { app_id?: string }).app_id,
  };
  if (!found.app_id && input.app_id === undefined && auth.bot_id) {
    const bot = await client.bots.info({ bot: auth.bot_id }).catch((error: unknown) => {
      throw rejected(error, 'bots.info');
    });
    found.app_id = bot.bot?.app_id;
  }
  for (const key of ['team_id', 'bot_user_id'] as const) {
    const given = input[key];
    if (given !== undefined && found[key] !== undefined && given !== found[key]) {
      throw new ConfigRejectedError(
        `${key}_mismatch`,
        `${key} is ${String(given)} but the bot token belongs to ${found[key]}; leave ${key} out and it is filled in`,
      );
    }
  }
  const filled = Object.fromEntries(
    Object.entries(found).filter(([key, value]) => value && input[key] === undefined),
  );
  return { ...input, ...filled };
}
