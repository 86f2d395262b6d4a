import { describeMembershipEventChecks } from '@switchboard/testkit/conformance';
import { parseFeishuEvent } from '../src/parse.js';
import { APP_ID, BOT, TENANT } from './helpers.js';

const ctx = { installationId: 'inst-1', appId: APP_ID, homeTenant: () => TENANT, botOpenId: () => BOT };

const EVENT_TYPES = {
  member_joined: 'im.chat.member.user.added_v1',
  member_left: 'im.chat.member.user.deleted_v1',
  bot_added: 'im.chat.member.bot.added_v1',
  bot_removed: 'im.chat.member.bot.deleted_v1',
} as const;

describeMembershipEventChecks({
  type: 'feishu',
  parseMembership: (notice) => {
    const eventType = EVENT_TYPES[notice.action];
    const users = notice.memberIds.map((id) => ({ name: id, tenant_key: TENANT, user_id: { open_id: id } }));
    return parseFeishuEvent(
      ctx,
      2,
      {
        event_id: notice.noticeId,
        event_type: eventType,
        app_id: APP_ID,
        tenant_key: TENANT,
        create_time: '1767225600000',
      } as never,
      {
        chat_id: notice.chatId,
        operator_id: { open_id: 'ou_admin' },
        ...(notice.action.startsWith('member_') ? { users } : {}),
      },
      new Date('2026-12-01T00:00:00Z'),
    );
  },
});
