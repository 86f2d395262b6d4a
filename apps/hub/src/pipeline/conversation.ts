import type { InboundMessage } from '@switchboard/core';

/**
 * The ordering unit: a thread where the platform has threads, else the chat. Messages with the
 * same key reach the agent in the order they were recorded; different keys run in parallel.
 */
export function conversationKey(message: InboundMessage): string {
  const threadId = message.reply?.threadId;
  return threadId ? `${message.source.chatId}:${threadId}` : message.source.chatId;
}
