import type { WebClient } from '@slack/web-api';
import {
  type OutboundMessage,
  PlatformError,
  parseOutboundMessage,
  type SendResult,
} from '@switchboard/core';
import { z } from 'zod';
import { toPlatformError } from './errors.js';

const messageResultSchema = z.looseObject({
  ok: z.literal(true),
  channel: z.string().optional(),
  ts: z.string().min(1),
});

/**
 * `chat.postMessage` to `target.chatId`. A reply goes into the thread of `reply.threadId` (the parent
 * ts), or of `reply.replyToMessageId` (Slack threads under the message replied to). Slack has no
 * idempotency key for posts, so a retry after a lost answer can post twice.
 */
export async function postSlackMessage(client: WebClient, msg: OutboundMessage): Promise<SendResult> {
  const message = parseOutboundMessage(msg);
  const reply = message.target.reply;
  const result = await call(client, 'chat.postMessage', {
    channel: message.target.chatId,
    ...messageContent(message),
    thread_ts: reply?.threadId ?? reply?.replyToMessageId,
  });
  return { platformMessageId: result.ts };
}

/** `chat.update` of the message `platformMessageId` (its ts) in `target.chatId`. */
export async function updateSlackMessage(
  client: WebClient,
  platformMessageId: string,
  msg: OutboundMessage,
): Promise<SendResult> {
  const message = parseOutboundMessage(msg);
  const result = await call(client, 'chat.update', {
    channel: message.target.chatId,
    ts: platformMessageId,
    ...messageContent(message),
  });
  return { platformMessageId: result.ts };
}

async function call(
  client: WebClient,
  method: 'chat.postMessage' | 'chat.update',
  params: Record<string, unknown>,
): Promise<z.output<typeof messageResultSchema>> {
  let response: unknown;
  try {
    response = await client.apiCall(method, params);
  } catch (error) {
    throw toPlatformError(method, error);
  }
  const parsed = messageResultSchema.safeParse(response);
  if (!parsed.success) throw new PlatformError('permanent', `Slack ${method} answered without a message ts`);
  return parsed.data;
}

/** `text` (also the notification fallback when blocks are sent) and Block Kit `blocks` from `card`. */
function messageContent(message: OutboundMessage): { text?: string; blocks?: unknown[] } {
  const card = message.card;
  if (card === undefined) return { text: message.text };
  const blocks = Array.isArray(card.blocks)
    ? card.blocks
    : typeof card.type === 'string'
      ? [card]
      : undefined;
  if (!blocks) {
    throw new PlatformError(
      'permanent',
      'a Slack card must be { blocks: [...] } or a single Block Kit block',
    );
  }
  const fallback = typeof card.text === 'string' ? card.text : undefined;
  return { text: message.text ?? fallback, blocks };
}
