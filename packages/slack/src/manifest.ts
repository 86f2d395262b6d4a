/** Events the adapter parses (see parse.ts); the app subscribes to exactly these. */
export const SLACK_BOT_EVENTS = [
  'app_mention',
  'message.channels',
  'message.groups',
  'message.im',
  'message.mpim',
] as const;

/** Reading those events, replying, the directory lookups auto-provisioning makes, and files. */
export const SLACK_BOT_SCOPES = [
  'app_mentions:read',
  'channels:history',
  'groups:history',
  'im:history',
  'mpim:history',
  'chat:write',
  'users:read',
  'users:read.email',
  'files:read',
] as const;

export interface SlackManifestOptions {
  /** App and bot name shown in Slack. */
  name?: string;
  /** Socket Mode: no public URL at all; the hub opens the connection (needs an app-level token). */
  socketMode?: boolean;
  /** Base URL Slack reaches the hub at (Events API mode). */
  publicUrl?: string;
  /** The installation whose webhook receives the events; unknown before the installation exists. */
  installationId?: string;
}

/**
 * A Slack app manifest (paste it at api.slack.com/apps -> Create New App -> From a manifest).
 * In Events API mode the request URL is the installation's webhook; it is left out until the
 * installation exists, because Slack checks the URL the moment it is set.
 */
export function slackAppManifest(options: SlackManifestOptions): Record<string, unknown> {
  const name = options.name ?? 'Switchboard';
  const requestUrl =
    !options.socketMode && options.publicUrl && options.installationId
      ? `${options.publicUrl.replace(/\/$/, '')}/hooks/${options.installationId}`
      : undefined;
  return {
    display_information: { name },
    features: {
      bot_user: { display_name: name, always_online: true },
      app_home: { messages_tab_enabled: true, messages_tab_read_only_enabled: false },
    },
    oauth_config: { scopes: { bot: [...SLACK_BOT_SCOPES] } },
    settings: {
      event_subscriptions: {
        ...(requestUrl ? { request_url: requestUrl } : {}),
        bot_events: [...SLACK_BOT_EVENTS],
      },
      org_deploy_enabled: false,
      socket_mode_enabled: options.socketMode === true,
      token_rotation_enabled: false,
    },
  };
}
