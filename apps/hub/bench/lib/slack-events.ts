import { createHmac } from 'node:crypto';

export const TEAM = 'T0BENCH01';
export const APP = 'A0BENCH01';
export const BOT_USER = 'U0BENCHBOT';
export const BOT_ID = 'B0BENCHBOT';
export const SIGNING_SECRET = 'bench-signing-secret-0001';
/** Distinct senders (all bound to a workspace member), so events spread over conversations. */
export const SENDERS = 32;

export function senderId(lane: number): string {
  return `U0SEND${lane}`;
}

/**
 * The n-th event of a load run: chats take turns (`conversations` of them), even chats are DMs
 * (`message`, channel_type im), odd ones channels where the bot is mentioned (`app_mention`).
 * Both are eligible for the agent, so every recorded event travels the whole pipeline. The hub
 * delivers one event per chat at a time (conversation order), so the number of chats bounds how
 * many deliveries can run in parallel. `prefix` keeps event ids unique across runs against the
 * same database (otherwise dedup would answer them).
 */
export function slackEventBody(prefix: string, n: number, conversations: number): string {
  const chat = n % conversations;
  const user = senderId(chat % SENDERS);
  const seconds = 1_760_000_000 + Math.floor(n / 1_000_000);
  const ts = `${seconds}.${String(n % 1_000_000).padStart(6, '0')}`;
  const event =
    chat % 2 === 1
      ? {
          type: 'app_mention',
          user,
          text: `<@${BOT_USER}> load ${prefix} ${n}`,
          ts,
          team: TEAM,
          channel: `C0CHAT${chat}`,
          event_ts: ts,
        }
      : {
          type: 'message',
          user,
          text: `load ${prefix} ${n}`,
          ts,
          team: TEAM,
          channel: `D0CHAT${chat}`,
          event_ts: ts,
          channel_type: 'im',
        };
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: TEAM,
    api_app_id: APP,
    event,
    type: 'event_callback',
    event_id: `Ev0${prefix}${n}`,
    event_time: seconds,
    authorizations: [{ team_id: TEAM, user_id: BOT_USER, is_bot: true }],
  });
}

/** Slack's request signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`, hex, prefixed `v0=`. */
export function slackHeaders(secret: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': `v0=${digest}`,
  };
}
