import { z } from 'zod';
import { parseOrThrow } from './parse-or-throw.js';

export const chatTypeSchema = z.enum(['direct', 'group', 'thread']);
export type ChatType = z.infer<typeof chatTypeSchema>;

export const msgTypeSchema = z.enum([
  'text',
  'image',
  'file',
  'audio',
  'video',
  'sticker',
  'card',
  'system',
  'unknown',
]);
export type MsgType = z.infer<typeof msgTypeSchema>;

export const senderSchema = z.object({
  /** The platform's primary id for the sender (Slack user id, Feishu open_id, WhatsApp JID…). */
  id: z.string().min(1),
  /** A cross-app id where the platform has one (Feishu union_id). */
  unionId: z.string().min(1).optional(),
  displayName: z.string().optional(),
  isBot: z.boolean(),
  /** From another tenant/organisation than the installation's. */
  isExternal: z.boolean(),
});
export type Sender = z.infer<typeof senderSchema>;

export const sourceSchema = z.object({
  channelType: z.string().min(1),
  installationId: z.string().min(1),
  /**
   * The tenant the platform says the event belongs to, in the terms of `Channel.homeTenant()`
   * (Slack team or Enterprise Grid org id, Feishu tenant_key, WhatsApp phone number id, GitHub org).
   * The hub refuses an event whose tenant differs from its installation's (`wrong_tenant`).
   */
  tenantKey: z.string().min(1).optional(),
  /** The app the platform delivered the event for (Slack api_app_id, Feishu app_id, GitHub hook id). */
  appId: z.string().min(1).optional(),
  chatId: z.string().min(1),
  chatType: chatTypeSchema,
  sender: senderSchema,
});
export type Source = z.infer<typeof sourceSchema>;

export const mediaRefSchema = z.object({
  kind: z.enum(['image', 'file', 'audio', 'video', 'sticker']),
  /** The platform's handle for the media; only its adapter can turn it into bytes. */
  id: z.string().min(1),
  /**
   * The message the media came in, where the platform needs it beside `id` to serve the bytes
   * (Feishu's message-resource API takes a message id and a file key).
   */
  messageId: z.string().min(1).optional(),
  url: z.string().optional(),
  mimeType: z.string().optional(),
  name: z.string().optional(),
  size: z.number().int().min(0).optional(),
});
export type MediaRef = z.infer<typeof mediaRefSchema>;

export const replyCtxSchema = z.object({
  replyToMessageId: z.string().min(1).optional(),
  threadId: z.string().min(1).optional(),
});
export type ReplyCtx = z.infer<typeof replyCtxSchema>;

export const mentionSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  isBot: z.boolean().optional(),
  isSelf: z.boolean().optional(),
});
export type Mention = z.infer<typeof mentionSchema>;

export const inboundMessageSchema = z.object({
  platformMessageId: z.string().min(1),
  source: sourceSchema,
  msgType: msgTypeSchema,
  text: z.string().optional(),
  media: z.array(mediaRefSchema).default([]),
  reply: replyCtxSchema.optional(),
  mentions: z.array(mentionSchema).default([]),
  /** True when the bot itself is addressed, so group-chat gating needs no platform knowledge. */
  mentionsBot: z.boolean(),
  // Offsets are accepted because platforms report local times; consumers compare instants.
  sentAt: z.iso.datetime({ offset: true }),
  /** The platform payload; opaque to everyone but the adapter that produced it. */
  raw: z.unknown().optional(),
});
export type InboundMessage = z.output<typeof inboundMessageSchema>;
/** What an adapter may pass in: `media` and `mentions` may be omitted. */
export type InboundMessageInput = z.input<typeof inboundMessageSchema>;

export function parseInboundMessage(input: unknown): InboundMessage {
  return parseOrThrow(inboundMessageSchema, input);
}

export function safeParseInboundMessage(input: unknown): z.ZodSafeParseResult<InboundMessage> {
  return inboundMessageSchema.safeParse(input);
}
