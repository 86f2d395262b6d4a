import {
  checkPayload,
  decodeJsonBody,
  type InboundEvent,
  MalformedPayloadError,
  type ParseResult,
  parseInboundMessage,
  type WebhookRequest,
} from '@switchboard/core';
import type { z } from 'zod';
import {
  type EchoMessageEvent,
  type EchoOtherEvent,
  echoBatchSchema,
  echoMessageEventSchema,
  echoOtherEventSchema,
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

function checkEvent(value: unknown, path: PropertyKey[]): EchoMessageEvent | EchoOtherEvent {
  const { type } = check(echoTypedBodySchema, value, path);
  if (type === 'message') return check(echoMessageEventSchema, value, path);
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
  const message = parseInboundMessage({
    platformMessageId: event.id,
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
  return { kind: 'message', eventId: event.id, message };
}

function isMessageEvent(event: EchoMessageEvent | EchoOtherEvent): event is EchoMessageEvent {
  return event.type === 'message';
}
