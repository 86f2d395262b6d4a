import { createHash } from 'node:crypto';
import type { OutboundMessage, SendResult } from '@switchboard/core';
import { PlatformError } from '@switchboard/core';
import type { FeishuApi } from './api.js';
import { feishuMediaPayload, uploadOutboundMedia } from './media.js';
import { splitFeishuText } from './split.js';

/** Feishu's `uuid` (idempotent for about an hour) is at most 50 characters. */
const MAX_UUID = 50;

/** The `uuid` of piece `index` of an outbound message: its idempotency key, hashed when too long. */
export function feishuUuid(idempotencyKey: string, index = 0): string {
  if (index === 0 && idempotencyKey.length <= MAX_UUID) return idempotencyKey;
  return createHash('sha256').update(`${idempotencyKey}\u0000${index}`).digest('hex').slice(0, 32);
}

/** Which id space a target is in: chats `oc_…`, people by open id `ou_…` or union id `on_…`. */
export function receiveIdType(target: string): 'chat_id' | 'open_id' | 'union_id' {
  if (target.startsWith('ou_')) return 'open_id';
  if (target.startsWith('on_')) return 'union_id';
  return 'chat_id';
}

/** A card the hub may later update: Feishu patches only cards sent with `update_multi`. */
function cardContent(card: Record<string, unknown>): string {
  const config = (card.config as Record<string, unknown> | undefined) ?? {};
  return JSON.stringify({ ...card, config: { ...config, update_multi: true } });
}

function messageId(body: Awaited<ReturnType<FeishuApi['call']>>): string {
  const id = body.data?.message_id;
  if (typeof id !== 'string' || id === '')
    throw new PlatformError('permanent', 'Feishu send answered without data.message_id');
  return id;
}

async function sendOne(
  api: FeishuApi,
  msg: OutboundMessage,
  payload: { msg_type: string; content: string },
  uuid: string,
): Promise<string> {
  const replyTo = msg.target.reply?.replyToMessageId ?? msg.target.reply?.threadId;
  if (replyTo) {
    const body = await api.call('im/v1 reply', {
      method: 'POST',
      url: `/open-apis/im/v1/messages/${encodeURIComponent(replyTo)}/reply`,
      data: { ...payload, uuid, ...(msg.target.reply?.threadId ? { reply_in_thread: true } : {}) },
    });
    return messageId(body);
  }
  const body = await api.call('im/v1 send', {
    method: 'POST',
    url: '/open-apis/im/v1/messages',
    params: { receive_id_type: receiveIdType(msg.target.chatId) },
    data: { receive_id: msg.target.chatId, ...payload, uuid },
  });
  return messageId(body);
}

/**
 * Text (split at Feishu's limit, fences kept whole) or a card, to a chat or as a reply. Each piece
 * carries a `uuid` derived from the idempotency key, so a retried send posts nothing twice.
 * Answers the first piece's message id.
 */
export async function sendFeishuMessage(
  api: FeishuApi,
  msg: OutboundMessage,
  fetch: typeof globalThis.fetch = globalThis.fetch,
): Promise<SendResult> {
  if (msg.media) return sendFeishuMediaMessage(api, msg, msg.media, fetch);
  if (msg.card) {
    const id = await sendOne(
      api,
      msg,
      { msg_type: 'interactive', content: cardContent(msg.card) },
      feishuUuid(msg.idempotencyKey),
    );
    return { platformMessageId: id };
  }
  const pieces = splitFeishuText(msg.text ?? '');
  let first: string | undefined;
  for (const [index, piece] of pieces.entries()) {
    const id = await sendOne(
      api,
      msg,
      { msg_type: 'text', content: JSON.stringify({ text: piece }) },
      feishuUuid(msg.idempotencyKey, index),
    );
    first ??= id;
  }
  if (!first) throw new PlatformError('permanent', 'nothing to send');
  return { platformMessageId: first };
}

/**
 * Media: uploaded (a `url` fetched first), then sent as an image or file message. Feishu's
 * media messages have no caption, so `caption` (else `text`) follows as a text message. The
 * media message is piece 0 of the idempotency key, the text pieces 1 and on; the answer is the
 * media message's id.
 */
async function sendFeishuMediaMessage(
  api: FeishuApi,
  msg: OutboundMessage,
  media: NonNullable<OutboundMessage['media']>,
  fetch: typeof globalThis.fetch,
): Promise<SendResult> {
  const uploaded = await uploadOutboundMedia(api, media, fetch);
  const id = await sendOne(api, msg, feishuMediaPayload(uploaded), feishuUuid(msg.idempotencyKey));
  const caption = media.caption ?? msg.text;
  if (caption) {
    for (const [index, piece] of splitFeishuText(caption).entries()) {
      await sendOne(
        api,
        msg,
        { msg_type: 'text', content: JSON.stringify({ text: piece }) },
        feishuUuid(msg.idempotencyKey, index + 1),
      );
    }
  }
  return { platformMessageId: id };
}

/** A card is updated with `PATCH` (≤ 14 days, `update_multi`); a text message is edited with `PUT`. */
export async function updateFeishuMessage(
  api: FeishuApi,
  platformMessageId: string,
  msg: OutboundMessage,
): Promise<SendResult> {
  const url = `/open-apis/im/v1/messages/${encodeURIComponent(platformMessageId)}`;
  if (msg.card) {
    await api.call('im/v1 patch', { method: 'PATCH', url, data: { content: cardContent(msg.card) } });
  } else {
    await api.call('im/v1 update', {
      method: 'PUT',
      url,
      data: { msg_type: 'text', content: JSON.stringify({ text: msg.text ?? '' }) },
    });
  }
  return { platformMessageId };
}
