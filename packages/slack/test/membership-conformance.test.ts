import type { InboundEvent } from '@switchboard/core';
import { describeMembershipEventChecks } from '@switchboard/testkit/conformance';
import { parseSlackPayload } from '../src/parse.js';
import { APP_ID, BOT_USER_ID, INSTALLATION_ID, TEAM_ID } from './helpers.js';

const context = {
  installationId: INSTALLATION_ID,
  appId: APP_ID,
  botUserId: BOT_USER_ID,
  homeTenant: TEAM_ID,
};

/** Slack posts one `member_joined_channel` / `member_left_channel` callback per person. */
function callback(eventId: string, type: string, user: string, channel: string): InboundEvent[] {
  return parseSlackPayload(
    {
      token: 'legacy-verification-token',
      team_id: TEAM_ID,
      api_app_id: APP_ID,
      type: 'event_callback',
      event_id: eventId,
      event_time: 1767225600,
      event: { type, user, channel, channel_type: 'C', team: TEAM_ID, event_ts: '1767225600.000100' },
    },
    context,
  ).events;
}

describeMembershipEventChecks({
  type: 'slack',
  parseMembership: (notice) => {
    const joined = notice.action === 'member_joined' || notice.action === 'bot_added';
    const type = joined ? 'member_joined_channel' : 'member_left_channel';
    // The bot's own membership is the same event naming the bot user.
    const members = notice.action.startsWith('bot_') ? [BOT_USER_ID] : notice.memberIds;
    return members.flatMap((member) => callback(`${notice.noticeId}-${member}`, type, member, notice.chatId));
  },
});
