/**
 * Feishu's long connection pings every 120 s by default and expects a pong; each pong's
 * ClientConfig may announce another PingInterval, which the channel reports to the hub.
 */
export const FEISHU_HEARTBEAT_MS = 120_000;

/** What to set in the Feishu / Lark developer console so it reaches this installation. */
export function feishuSetupSteps(webhookUrl: string): string[] {
  return [
    'Developer console → your app → Credentials & Basic Info: copy the App ID into app_id and the App Secret into app_secret.',
    'Features → Bot: enable the bot; Permissions & Scopes: add im:message, im:message.group_at_msg:readonly, im:message.p2p_msg:readonly and contact:user.base:readonly.',
    `Events & Callbacks → Event Configuration → subscription mode "Send events to developer's server", Request URL = ${webhookUrl}; or choose "Receive events through persistent connection" and set mode to websocket (no public URL).`,
    'Events & Callbacks → Encryption Strategy: copy the Verification Token into verification_token and the Encrypt Key into encrypt_key.',
    'Events & Callbacks → Add events: im.message.receive_v1 (and im.chat.member.bot.added_v1), then publish a new app version so the changes take effect.',
  ];
}
