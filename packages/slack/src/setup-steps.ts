/** Socket Mode: Slack's server pings about every 30 s, and the SDK gives up after 30 s of silence. */
export const SLACK_HEARTBEAT_MS = 60_000;

/** What to set at api.slack.com/apps so Slack reaches this installation. */
export function slackSetupSteps(webhookUrl: string): string[] {
  return [
    'api.slack.com/apps → your app → Basic Information: copy the Signing Secret into signing_secret.',
    'OAuth & Permissions: add the bot scopes app_mentions:read, chat:write, channels:history, groups:history, im:history and users:read, install the app to the workspace and copy the Bot User OAuth Token (xoxb-…) into bot_token.',
    `Event Subscriptions → Enable Events → Request URL = ${webhookUrl} (Slack sends a challenge; the hub answers it).`,
    'Event Subscriptions → Subscribe to bot events: app_mention, message.channels, message.groups, message.im and member_joined_channel, then Save Changes.',
    'Socket Mode instead (no public URL): Socket Mode → Enable, create an app-level token with connections:write (xapp-…) for app_token and set mode to socket.',
  ];
}
