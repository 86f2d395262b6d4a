import { apiBaseUrlField, secret } from '@switchboard/core';
import { z } from 'zod';

/** Where Slack's Web API lives when `api_base_url` is not set. */
export const SLACK_API_BASE_URL = 'https://slack.com/api/';

// Slack ids are upper-case alphanumerics with a one-letter kind prefix (A app, T team, U/W user, E org).
const slackId = (what: string) =>
  z
    .string()
    .regex(/^[A-Z][A-Z0-9]+$/, { message: `expected a Slack ${what} id such as the ones Slack shows` });

// Installing reads these from Slack (prepare-config.ts): forms say so, and need not ask for them.
const FILLED_IN = {
  description: 'Leave empty when installing: the hub reads it from Slack (auth.test) with the bot token.',
  'x-filled-on-install': true,
};

/**
 * Installation config. Keys are snake_case like every platform's JSONB config; the hub seals the
 * `secret(...)` fields and never returns them.
 */
export const slackConfigSchema = z
  .object({
    /** "Signing Secret" from the app's Basic Information page; verifies webhook signatures. */
    signing_secret: secret(z.string().min(1)),
    /** Bot User OAuth Token (`xoxb-…`) used for every Web API call. */
    bot_token: secret(z.string().startsWith('xoxb-', { message: 'a bot token starts with xoxb-' })),
    /** App-level token (`xapp-…`, scope connections:write); only Socket Mode needs it. */
    app_token: secret(
      z.string().startsWith('xapp-', { message: 'an app-level token starts with xapp-' }),
    ).optional(),
    app_id: slackId('app').meta(FILLED_IN),
    /** The workspace (or Enterprise Grid org) the app is installed in. */
    team_id: slackId('team').meta(FILLED_IN),
    /** The bot user's id (`auth.test` → user_id); its own messages are ignored and mentions of it detected. */
    bot_user_id: slackId('user').meta(FILLED_IN),
    /** `events`: Slack posts to the hub's webhook. `socket`: the adapter opens a WebSocket (Socket Mode). */
    mode: z.enum(['events', 'socket']).default('events'),
    /** Defaults to https://slack.com/api/. */
    api_base_url: apiBaseUrlField,
  })
  .refine((config) => config.mode !== 'socket' || config.app_token !== undefined, {
    message: 'app_token is required when mode is "socket"',
    path: ['app_token'],
  });

export type SlackChannelConfig = z.output<typeof slackConfigSchema>;
export type SlackChannelConfigInput = z.input<typeof slackConfigSchema>;
