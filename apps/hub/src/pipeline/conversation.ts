import type { InboundEvent, InboundMessage } from '@switchboard/core';

/**
 * The ordering unit: a thread where the platform has threads, else the chat. Messages with the
 * same key reach the agent in the order they were recorded; different keys run in parallel.
 */
export function conversationKey(message: InboundMessage): string {
  const threadId = message.reply?.threadId;
  return threadId ? `${message.source.chatId}:${threadId}` : message.source.chatId;
}

/**
 * The ordering unit of any event: an edit queues behind the message it edits, reactions and
 * deletions behind their chat. Statuses and tenant-wide membership need no order (a status never
 * moves an outbound record backwards), so they run unordered.
 */
export function eventConversationKey(event: InboundEvent): string | null {
  switch (event.kind) {
    case 'message':
      return conversationKey(event.message);
    case 'edit':
      return conversationKey(event.edit.message);
    case 'reaction':
      return event.reaction.source.chatId;
    case 'delete':
      return event.delete.chatId;
    case 'membership':
      return event.membership.chatId ?? null;
    default:
      return null;
  }
}
