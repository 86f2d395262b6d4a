import {
  checkPayload,
  decodeJsonBody,
  type InboundEvent,
  MalformedPayloadError,
  type ParseResult,
  parseInboundEvent,
  parseInboundMessage,
  type WebhookRequest,
} from '@switchboard/core';
import type { z } from 'zod';
import {
  type EchoMessageEvent,
  type EchoOtherEvent,
  echoBatchSchema,
  echoDeleteEventSchema,
  echoEditEventSchema,
  echoMembershipEventSchema,
  echoMessageEventSchema,
  echoOtherEventSchema,
  echoReactEventSchema,
  echoStatusEventSchema,
  echoTypedBodySchema,
  echoUrlVerificationSchema,
} from './payload.js';

export interface EchoParseContext {
  installationId: string;
  botUserId: string;
  tenantKey?: string;
}

/** Turns a verified echo webhook body into events; throws `MalformedPayloadError` on bad input. */
export function parseEchoRequest(req: WebhookRequest, context: EchoParseContext): ParseResult {
  const body = decodeJson(req.rawBody);
  const { type } = check(echoTypedBodySchema, body, []);
  if (type === 'url_verification') {
    const { challenge } = check(echoUrlVerificationSchema, body, []);
    return { response: { status: 200, body: { challenge } }, events: [] };
  }
  if (type === 'batch') {
    const { events } = check(echoBatchSchema, body, []);
    return {
      events: events.map((event, index) =>
        toInboundEvent(checkEvent(event, ['events', index]), req, context),
      ),
    };
  }
  return { events: [toInboundEvent(checkEvent(body, []), req, context)] };
}

function decodeJson(rawBody: Uint8Array): unknown {
  return decodeJsonBody(rawBody, 'echo');
}

function check<S extends z.ZodType>(schema: S, value: unknown, path: PropertyKey[]): z.output<S> {
  return checkPayload(schema, value, path, 'echo webhook body has an unexpected shape');
}

type EchoEvent = EchoMessageEvent | EchoOtherEvent;

const otherKinds: Record<string, z.ZodType> = {
  status: echoStatusEventSchema,
  membership: echoMembershipEventSchema,
  react: echoReactEventSchema,
  edit: echoEditEventSchema,
  delete: echoDeleteEventSchema,
};

function checkEvent(value: unknown, path: PropertyKey[]): EchoEvent {
  const { type } = check(echoTypedBodySchema, value, path);
  if (type === 'message') return check(echoMessageEventSchema, value, path);
  const schema = otherKinds[type];
  if (schema) return check(schema, value, path) as EchoOtherEvent;
  if (type === 'batch' || type === 'url_verification') {
    throw new MalformedPayloadError(`echo "${type}" cannot appear inside a batch`);
  }
  return check(echoOtherEventSchema, value, path);
}

function toInboundEvent(
  event: EchoMessageEvent | EchoOtherEvent,
  req: WebhookRequest,
  context: EchoParseContext,
): InboundEvent {
  const other = toOtherKind(event, req, context);
  if (other) return other;
  if (!isMessageEvent(event)) {
    return {
      kind: 'ignored',
      eventId: event.id,
      reason: 'unsupported_event',
      detail: `event type "${event.type}"`,
    };
  }
  // Self before bot: the bot's own messages are usually flagged as bot messages too.
  if (event.user.id === context.botUserId) {
    return { kind: 'ignored', eventId: event.id, reason: 'ignored_self', detail: `sender ${event.user.id}` };
  }
  if (event.user.isBot) {
    return { kind: 'ignored', eventId: event.id, reason: 'ignored_bot', detail: `sender ${event.user.id}` };
  }
  return { kind: 'message', eventId: event.id, message: toMessage(event, event.id, req, context) };
}

function toMessage(
  event: EchoMessageEvent,
  messageId: string,
  req: WebhookRequest,
  context: EchoParseContext,
) {
  return parseInboundMessage({
    platformMessageId: messageId,
    source: {
      channelType: 'echo',
      installationId: context.installationId,
      tenantKey: context.tenantKey,
      chatId: event.chatId,
      chatType: event.chatType ?? (event.threadId ? 'thread' : 'direct'),
      sender: { id: event.user.id, displayName: event.user.name, isBot: false, isExternal: false },
    },
    msgType: 'text',
    text: event.text,
    reply: event.threadId ? { threadId: event.threadId } : undefined,
    mentionsBot: event.mentionsBot ?? false,
    sentAt: event.ts ?? req.receivedAt.toISOString(),
    raw: event,
  });
}

/** The events beside messages, validated against core's schemas; undefined for other types. */
function toOtherKind(
  event: EchoEvent,
  req: WebhookRequest,
  context: EchoParseContext,
): InboundEvent | undefined {
  const scope = {
    channelType: 'echo',
    installationId: context.installationId,
    ...(context.tenantKey ? { tenantKey: context.tenantKey } : {}),
  };
  const at = (ts: unknown) => (typeof ts === 'string' ? ts : req.receivedAt.toISOString());
  const sender = (user: { id: string; name?: string | undefined; isBot?: boolean | undefined }) => ({
    id: user.id,
    ...(user.name ? { displayName: user.name } : {}),
    isBot: user.isBot === true || user.id === context.botUserId,
    isExternal: false,
  });
  switch (event.type) {
    case 'status': {
      const e = echoStatusEventSchema.parse(event);
      return parseInboundEvent({
        kind: 'status',
        eventId: e.id,
        status: {
          scope,
          platformMessageId: e.messageId,
          ...(e.chatId ? { chatId: e.chatId } : {}),
          state: e.state,
          ...(e.errorCode ? { errorCode: e.errorCode } : {}),
          occurredAt: at(e.ts),
        },
      });
    }
    case 'membership': {
      const e = echoMembershipEventSchema.parse(event);
      return parseInboundEvent({
        kind: 'membership',
        eventId: e.id,
        membership: {
          scope,
          action: e.action,
          ...(e.chatId ? { chatId: e.chatId, chatType: 'group' } : {}),
          member: sender(e.user),
          occurredAt: at(e.ts),
        },
      });
    }
    case 'react': {
      const e = echoReactEventSchema.parse(event);
      if (e.user.id === context.botUserId) {
        return { kind: 'ignored', eventId: e.id, reason: 'ignored_self', detail: `sender ${e.user.id}` };
      }
      return parseInboundEvent({
        kind: 'reaction',
        eventId: e.id,
        reaction: {
          source: { ...scope, chatId: e.chatId, chatType: 'direct', sender: sender(e.user) },
          action: e.removed ? 'removed' : 'added',
          emoji: e.emoji,
          platformMessageId: e.messageId,
          occurredAt: at(e.ts),
        },
      });
    }
    case 'edit': {
      const e = echoEditEventSchema.parse(event);
      const message = toMessage({ ...e, type: 'message' }, e.messageId, req, context);
      return parseInboundEvent({ kind: 'edit', eventId: e.id, edit: { message, editedAt: at(e.ts) } });
    }
    case 'delete': {
      const e = echoDeleteEventSchema.parse(event);
      return parseInboundEvent({
        kind: 'delete',
        eventId: e.id,
        delete: { scope, chatId: e.chatId, platformMessageId: e.messageId, occurredAt: at(e.ts) },
      });
    }
    default:
      return undefined;
  }
}

function isMessageEvent(event: EchoMessageEvent | EchoOtherEvent): event is EchoMessageEvent {
  return event.type === 'message';
}
