import { randomBytes } from 'node:crypto';
import type { Logger, WebhookRequest } from '@switchboard/core';
import { encryptFeishuPayload } from '../src/decrypt.js';
import { feishuSignature } from '../src/verify.js';

export const APP_ID = 'cli_a1b2c3d4e5f60718';
export const APP_SECRET = 'secret-of-the-app';
export const TENANT = 'tenant_home_0001';
export const ENCRYPT_KEY = 'encrypt-key-0001';
export const VERIFICATION_TOKEN = 'verification-token-0001';
export const BOT = 'ou_bot000000000000000000000000001';

export const silentLogger: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  fatal: () => {},
  child: () => silentLogger,
} as unknown as Logger;

export function request(
  rawBody: string | Uint8Array,
  headers: Record<string, string> = {},
  receivedAt = new Date(),
): WebhookRequest {
  return {
    method: 'POST',
    path: '/hooks/x',
    headers,
    query: {},
    rawBody: typeof rawBody === 'string' ? new TextEncoder().encode(rawBody) : rawBody,
    receivedAt,
  };
}

/** A push as Feishu sends it with an encrypt key: encrypted body, signature headers. */
export function signedEncrypted(
  plaintext: string,
  options: { now?: Date; timestamp?: number; nonce?: string; key?: string } = {},
): WebhookRequest {
  const now = options.now ?? new Date();
  const body = JSON.stringify({ encrypt: encryptFeishuPayload(plaintext, options.key ?? ENCRYPT_KEY) });
  return signedRaw(body, { ...options, now });
}

export function signedRaw(
  body: string,
  options: { now?: Date; timestamp?: number; nonce?: string; key?: string } = {},
): WebhookRequest {
  const now = options.now ?? new Date();
  const timestamp = String(options.timestamp ?? Math.floor(now.getTime() / 1000));
  const nonce = options.nonce ?? randomBytes(8).toString('hex');
  const raw = new TextEncoder().encode(body);
  return request(
    raw,
    {
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': feishuSignature(timestamp, nonce, ENCRYPT_KEY, raw),
    },
    now,
  );
}

let counter = 0;

/** An `im.message.receive_v1` v2 envelope. */
export function messageEnvelope(
  options: {
    eventId?: string;
    messageId?: string;
    tenant?: string;
    senderTenant?: string;
    openId?: string;
    unionId?: string | null;
    chatType?: 'p2p' | 'group';
    chatId?: string;
    messageType?: string;
    content?: string;
    text?: string;
    mentions?: Array<{ key: string; open_id: string; name: string }>;
    token?: string;
    rootId?: string;
    parentId?: string;
  } = {},
) {
  const n = ++counter;
  const openId = options.openId ?? 'ou_user0001';
  return {
    schema: '2.0',
    header: {
      event_id: options.eventId ?? `ev_${n}`,
      event_type: 'im.message.receive_v1',
      create_time: '1767225600000',
      token: options.token ?? '',
      app_id: APP_ID,
      tenant_key: options.tenant ?? TENANT,
    },
    event: {
      sender: {
        sender_id: {
          open_id: openId,
          ...(options.unionId === null ? {} : { union_id: options.unionId ?? `on_${openId.slice(3)}` }),
          user_id: 'u1',
        },
        sender_type: 'user',
        tenant_key: options.senderTenant ?? options.tenant ?? TENANT,
      },
      message: {
        message_id: options.messageId ?? `om_${n}`,
        ...(options.rootId ? { root_id: options.rootId } : {}),
        ...(options.parentId ? { parent_id: options.parentId } : {}),
        chat_id: options.chatId ?? 'oc_chat0001',
        chat_type: options.chatType ?? 'p2p',
        message_type: options.messageType ?? 'text',
        content: options.content ?? JSON.stringify({ text: options.text ?? 'hello' }),
        create_time: '1767225600000',
        mentions: (options.mentions ?? []).map((m) => ({
          key: m.key,
          id: { open_id: m.open_id, union_id: `on_${m.open_id}` },
          name: m.name,
          tenant_key: TENANT,
        })),
      },
    },
  };
}
