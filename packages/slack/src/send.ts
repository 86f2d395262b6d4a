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

/** Marks the hub's posts (message metadata), so a retry can find what an earlier attempt posted. */
export const OUTBOUND_METADATA_EVENT = 'switchboard_outbound';

/**
 * `chat.postMessage` to `target.chatId`. A reply goes into the thread of `reply.threadId` (the parent
 * ts), or of `reply.replyToMessageId` (Slack threads under the message replied to). Slack has no
 * idempotency key for posts, so every post carries the hub's outbound id as message metadata, and
 * a retry (attempt > 1) first looks for it in the chat's recent history: an earlier attempt that
 * posted but whose answer was lost is reported as sent, not posted again.
 */
export async function postSlackMessage(client: WebClient, msg: OutboundMessage): Promise<SendResult> {
  const message = parseOutboundMessage(msg);
  const reply = message.target.reply;
  const threadTs = reply?.threadId ?? reply?.replyToMessageId;
  const delivery = message.delivery;
  if (delivery && delivery.attempt > 1) {
    const earlier = await findEarlierPost(client, message.target.chatId, threadTs, delivery.outboundId);
    if (earlier) return { platformMessageId: earlier };
  }
  const result = await call(client, 'chat.postMessage', {
    channel: message.target.chatId,
    ...messageContent(message),
    thread_ts: threadTs,
    ...(delivery
      ? {
          metadata: {
            event_type: OUTBOUND_METADATA_EVENT,
            event_payload: { outbound_id: delivery.outboundId, idempotency_key: message.idempotencyKey },
          },
        }
      : {}),
  });
  return { platformMessageId: result.ts };
}

const historySchema = z.looseObject({
  ok: z.literal(true),
  messages: z.array(
    z.looseObject({
      ts: z.string(),
      metadata: z
        .looseObject({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()).optional() })
        .optional(),
    }),
  ),
});

/**
 * The ts of a message this outbound id already posted, from the newest 100 of the chat (or of the
 * thread). A failed lookup is transient (the send is retried later), except when the token may not
 * read history (`missing_scope`, `not_in_channel`): then the post goes ahead, at least once.
 */
async function findEarlierPost(
  client: WebClient,
  channel: string,
  threadTs: string | undefined,
  outboundId: string,
): Promise<string | undefined> {
  const method = threadTs ? 'conversations.replies' : 'conversations.history';
  let response: unknown;
  try {
    response = await client.apiCall(method, {
      channel,
      ...(threadTs ? { ts: threadTs } : {}),
      limit: 100,
      include_all_metadata: true,
    });
  } catch (error) {
    const platformError = toPlatformError(method, error);
    if (platformError.kind === 'permanent') return undefined;
    throw platformError;
  }
  const parsed = historySchema.safeParse(response);
  if (!parsed.success) return undefined;
  return parsed.data.messages.find(
    (m) =>
      m.metadata?.event_type === OUTBOUND_METADATA_EVENT &&
      m.metadata.event_payload?.outbound_id === outboundId,
  )?.ts;
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
