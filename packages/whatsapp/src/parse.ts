import { createHash } from 'node:crypto';
import {
  type AppRouteResult,
  checkPayload,
  decodeJsonBody,
  type IdentityChange,
  type IdentityKey,
  type InboundEvent,
  type InboundMessageInput,
  type MediaRef,
  type MsgType,
  type Sender,
  type Source,
} from '@switchboard/core';
import { bsuidKeys, waIdKeys } from './identity.js';
import { outboundIdOfTag } from './outbound-tag.js';
import {
  batchSchema,
  changeValueSchema,
  messageSchema,
  statusSchema,
  type WaContact,
  type WaMessage,
  type WaStatus,
} from './payload.js';

export const WHATSAPP_TYPE = 'whatsapp';

/** Meta retries a webhook it got no 2xx for for up to 7 days; a day of margin on top. */
export const WHATSAPP_REDELIVERY_WINDOW_MS = 8 * 24 * 3_600_000;

/** What every event of one installation is stamped with. */
export interface WhatsAppScope {
  installationId: string;
  appId: string;
  phoneNumberId: string;
}

interface PendingChange {
  contacts: WaContact[];
  messages: unknown[];
  statuses: unknown[];
}

/**
 * Splits a webhook batch into one target per `metadata.phone_number_id`; events are built only
 * for targets the hub found an installation for. Every entry, change, message and status counts:
 * Meta batches several. A change without metadata (another webhook field) names no number and is
 * skipped; a message or status that does not parse becomes an `ignored` event, so it is audited
 * while its neighbours are delivered.
 */
export function routeWhatsAppBatch(rawBody: Uint8Array, appId: string): AppRouteResult {
  const batch = checkPayload(batchSchema, decodeJsonBody(rawBody, WHATSAPP_TYPE), [], 'not a WhatsApp batch');
  const byNumber = new Map<string, PendingChange[]>();
  for (const entry of batch.entry) {
    for (const change of entry.changes) {
      const value = changeValueSchema.safeParse(change.value);
      if (!value.success) continue;
      const key = value.data.metadata.phone_number_id;
      byNumber.set(key, [...(byNumber.get(key) ?? []), value.data]);
    }
  }
  return {
    targets: [...byNumber].map(([phoneNumberId, changes]) => ({
      installationKey: phoneNumberId,
      events: (installationId) =>
        changes.flatMap((change) => changeEvents(change, { installationId, appId, phoneNumberId })),
    })),
  };
}

function changeEvents(change: PendingChange, scope: WhatsAppScope): InboundEvent[] {
  const events: InboundEvent[] = [];
  for (const item of change.messages) {
    const parsed = messageSchema.safeParse(item);
    events.push(
      parsed.success
        ? messageEvent(parsed.data, change.contacts, scope)
        : malformed(item, 'message', parsed.error.issues[0]?.path.join('.') ?? ''),
    );
  }
  for (const item of change.statuses) {
    const parsed = statusSchema.safeParse(item);
    events.push(
      parsed.success
        ? statusEvent(parsed.data, scope)
        : malformed(item, 'status', parsed.error.issues[0]?.path.join('.') ?? ''),
    );
  }
  return events;
}

function malformed(item: unknown, what: string, path: string): InboundEvent {
  const id =
    typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string'
      ? (item as { id: string }).id
      : `malformed:${createHash('sha256')
          .update(JSON.stringify(item) ?? '')
          .digest('hex')
          .slice(0, 32)}`;
  return {
    kind: 'ignored',
    eventId: what === 'status' ? `${id}:malformed` : id,
    reason: 'unsupported_event',
    detail: `malformed ${what}${path ? ` (at ${path})` : ''}`,
  };
}

const isoOfSeconds = (seconds: string) => new Date(Number(seconds) * 1000).toISOString();

function senderOf(message: WaMessage, contacts: WaContact[]): Sender {
  const contact = contacts.find(
    (c) =>
      (message.from && c.wa_id === message.from) ||
      (message.from_user_id && c.user_id === message.from_user_id),
  );
  const parent = message.from_parent_user_id ?? contact?.parent_user_id;
  const name = contact?.profile?.name ?? contact?.profile?.username;
  return {
    // The BSUID is the stable key when WhatsApp sends one; the wa_id otherwise.
    id: message.from_user_id ?? contact?.user_id ?? (message.from as string),
    ...(parent ? { unionId: parent } : {}),
    ...(name ? { displayName: name } : {}),
    isBot: false,
    isExternal: false,
  };
}

const MEDIA_KINDS = {
  image: 'image',
  audio: 'audio',
  video: 'video',
  document: 'file',
  sticker: 'sticker',
} as const satisfies Record<string, MediaRef['kind']>;

function messageEvent(message: WaMessage, contacts: WaContact[], scope: WhatsAppScope): InboundEvent {
  // Replies go to what was received: the wa_id when there is one, else the BSUID.
  const chatId = message.from ?? message.from_user_id;
  if (!chatId) return malformed(message, 'message', 'from');
  const source: Source = {
    channelType: WHATSAPP_TYPE,
    installationId: scope.installationId,
    tenantKey: scope.phoneNumberId,
    appId: scope.appId,
    chatId,
    chatType: 'direct',
    sender: senderOf(message, contacts),
  };
  const sentAt = isoOfSeconds(message.timestamp);
  if (message.type === 'reaction' && message.reaction) {
    const emoji = message.reaction.emoji;
    return {
      kind: 'reaction',
      eventId: message.id,
      reaction: {
        source,
        // An empty emoji is WhatsApp's way of taking a reaction back.
        action: emoji ? 'added' : 'removed',
        emoji: emoji || '?',
        platformMessageId: message.reaction.message_id,
        occurredAt: sentAt,
      },
    };
  }
  const content = contentOf(message);
  if (!content) {
    return {
      kind: 'ignored',
      eventId: message.id,
      reason: 'unsupported_event',
      detail: `message type ${message.type}`,
    };
  }
  const input: InboundMessageInput = {
    platformMessageId: message.id,
    source,
    msgType: content.msgType,
    ...(content.text !== undefined ? { text: content.text } : {}),
    media: content.media ?? [],
    ...(message.context?.id ? { reply: { replyToMessageId: message.context.id } } : {}),
    mentions: [],
    // Every WhatsApp conversation is one person and the business: the bot is always addressed.
    mentionsBot: true,
    sentAt,
    raw: message,
  };
  const identityChange = identityChangeOf(message);
  return {
    kind: 'message',
    eventId: message.id,
    message: input as never,
    ...(identityChange ? { identityChange } : {}),
  };
}

interface AliasMove {
  previous: IdentityKey[];
  current: IdentityKey[];
  /** The sender id the platform used for the previous aliases, if they were one. */
  senderId?: string;
}

/** `previous` -> `current` when both are BSUIDs and differ. */
function bsuidMove(previous: string | undefined, current: string | undefined): AliasMove | undefined {
  if (!previous || !current || previous === current) return undefined;
  return { previous: bsuidKeys(previous), current: bsuidKeys(current) };
}

/**
 * `user_changed_number` (`from` is the old wa_id, `system.wa_id` the new one; webhooks before
 * v12 named it `new_wa_id`) and, on both types, `system.previous_user_id` -> `system.user_id` and
 * `system.previous_parent_user_id` -> `system.parent_user_id` (a new number regenerates the BSUID
 * and its parent): the old aliases and the new ones, for the hub to carry a member's proven
 * identities across. A parent BSUID is never a chat or sender id, so it has no binding to drop.
 */
function identityChangeOf(message: WaMessage): IdentityChange | undefined {
  const system = message.system;
  if (message.type !== 'system' || !system) return undefined;
  if (system.type !== 'user_changed_number' && system.type !== 'user_changed_user_id') return undefined;
  const newWaId = [system.wa_id, system.new_wa_id].find((id) => id && message.from && id !== message.from);
  const number: AliasMove | undefined =
    newWaId && message.from
      ? { previous: waIdKeys(message.from), current: waIdKeys(newWaId), senderId: message.from }
      : undefined;
  const userId = bsuidMove(system.previous_user_id, system.user_id);
  const moves = [
    number,
    userId ? { ...userId, senderId: system.previous_user_id } : undefined,
    bsuidMove(system.previous_parent_user_id, system.parent_user_id),
  ].filter((move): move is AliasMove => !!move && move.previous.length > 0 && move.current.length > 0);
  if (moves.length === 0) return undefined;
  const previousSenderIds = moves.flatMap((move) => (move.senderId ? [move.senderId] : []));
  return {
    previous: moves.flatMap((move) => move.previous),
    current: moves.flatMap((move) => move.current),
    ...(previousSenderIds.length > 0 ? { previousSenderIds } : {}),
  };
}

interface Content {
  msgType: MsgType;
  text?: string;
  media?: MediaRef[];
}

function contentOf(message: WaMessage): Content | undefined {
  switch (message.type) {
    case 'text':
      return message.text ? { msgType: 'text', text: message.text.body } : undefined;
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const media = message[message.type];
      if (!media) return undefined;
      const kind = MEDIA_KINDS[message.type];
      return {
        msgType: kind,
        ...(media.caption !== undefined ? { text: media.caption } : {}),
        media: [
          {
            kind,
            id: media.id,
            ...(media.mime_type ? { mimeType: media.mime_type } : {}),
            ...(media.filename ? { name: media.filename } : {}),
          },
        ],
      };
    }
    case 'location': {
      const l = message.location;
      if (!l) return undefined;
      const label = [l.name, l.address].filter(Boolean).join(', ');
      return { msgType: 'card', text: `${label ? `${label} ` : ''}(${l.latitude}, ${l.longitude})` };
    }
    case 'contacts': {
      const cards = message.contacts ?? [];
      const lines = cards.map((c) =>
        [c.name?.formatted_name, ...(c.phones ?? []).map((p) => p.phone ?? p.wa_id)]
          .filter(Boolean)
          .join(' '),
      );
      return { msgType: 'card', text: lines.join('\n') };
    }
    case 'interactive': {
      const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
      return reply ? { msgType: 'text', text: reply.title } : undefined;
    }
    case 'button':
      return message.button ? { msgType: 'text', text: message.button.text } : undefined;
    case 'system':
      return { msgType: 'system', text: message.system?.body ?? message.system?.type ?? 'system' };
    default:
      return undefined;
  }
}

const STATES = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' } as const;

function statusEvent(status: WaStatus, scope: WhatsAppScope): InboundEvent {
  // Meta sends each (message, state) once and retries it for days: both make the delivery id.
  const eventId = `${status.id}:${status.status}`;
  const state = STATES[status.status as keyof typeof STATES];
  if (!state) {
    return { kind: 'ignored', eventId, reason: 'unsupported_event', detail: `status ${status.status}` };
  }
  const error = status.errors?.[0];
  const chatId = status.recipient_id ?? status.recipient_user_id;
  const outboundId = outboundIdOfTag(status.biz_opaque_callback_data);
  return {
    kind: 'status',
    eventId,
    status: {
      scope: {
        channelType: WHATSAPP_TYPE,
        installationId: scope.installationId,
        tenantKey: scope.phoneNumberId,
        appId: scope.appId,
      },
      platformMessageId: status.id,
      ...(outboundId ? { outboundId } : {}),
      ...(chatId ? { chatId } : {}),
      state,
      ...(error ? { errorCode: String(error.code) } : {}),
      ...(error
        ? { errorMessage: (error.error_data?.details ?? error.message ?? error.title ?? '').slice(0, 1000) }
        : {}),
      occurredAt: isoOfSeconds(status.timestamp),
    },
  };
}
