import { type InboundEvent, type MembershipAction, parseInboundEvent } from '@switchboard/core';
import { describe, expect, it } from 'vitest';

/** One platform notice that people joined or left a chat, or that the bot was added or removed. */
export interface MembershipNotice {
  /** The platform's id of the notice (stable across its redeliveries). */
  noticeId: string;
  action: MembershipAction;
  chatId: string;
  /** For `member_*`: the people; ignored for `bot_*`, which is about the bot itself. */
  memberIds: string[];
}

/** How a channel turns a platform's membership notices into `membership` events. */
export interface MembershipConformance {
  /** The channel type the events must name. */
  type: string;
  /** The events the channel makes of `notice`, built as the platform would send it. */
  parseMembership(notice: MembershipNotice): InboundEvent[] | Promise<InboundEvent[]>;
}

type MembershipEvent = Extract<InboundEvent, { kind: 'membership' }>;

async function membershipsOf(
  options: MembershipConformance,
  notice: MembershipNotice,
): Promise<MembershipEvent[]> {
  return (await options.parseMembership(notice)).map((event) => {
    const parsed = parseInboundEvent(event);
    expect(parsed.kind).toBe('membership');
    return parsed as MembershipEvent;
  });
}

/**
 * Membership events, which the hub uses to provision members who join (with auto-provisioning)
 * and to notice the bot's own chats: one event per person, each valid, naming the chat and the
 * channel type, with ids that survive redelivery and differ per person.
 */
export function describeMembershipEventChecks(options: MembershipConformance): void {
  describe(`${options.type} membership events`, () => {
    it('makes one valid event per person who joined, naming the chat and the channel type', async () => {
      const events = await membershipsOf(options, {
        noticeId: 'conformance-join-1',
        action: 'member_joined',
        chatId: 'conformance-chat-1',
        memberIds: ['conformance-user-a', 'conformance-user-b'],
      });
      expect(events.map((e) => e.membership.member.id)).toEqual(['conformance-user-a', 'conformance-user-b']);
      for (const event of events) {
        expect(event.membership).toMatchObject({ action: 'member_joined', chatId: 'conformance-chat-1' });
        expect(event.membership.scope.channelType).toBe(options.type);
      }
    });

    it('gives each person their own event id, and the same ones on redelivery', async () => {
      const notice: MembershipNotice = {
        noticeId: 'conformance-leave-1',
        action: 'member_left',
        chatId: 'conformance-chat-2',
        memberIds: ['conformance-user-c', 'conformance-user-d'],
      };
      const first = await membershipsOf(options, notice);
      const again = await membershipsOf(options, notice);
      expect(new Set(first.map((e) => e.eventId)).size).toBe(2);
      expect(again.map((e) => e.eventId)).toEqual(first.map((e) => e.eventId));
      expect(first.every((e) => e.membership.action === 'member_left')).toBe(true);
    });

    it('reports the bot added to and removed from a chat as the bot’s own membership', async () => {
      for (const action of ['bot_added', 'bot_removed'] as const) {
        const [event] = await membershipsOf(options, {
          noticeId: `conformance-${action}`,
          action,
          chatId: 'conformance-chat-3',
          memberIds: [],
        });
        expect(event?.membership).toMatchObject({
          action,
          chatId: 'conformance-chat-3',
          member: { isBot: true },
        });
      }
    });
  });
}
