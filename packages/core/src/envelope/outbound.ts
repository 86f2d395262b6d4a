import { z } from 'zod';
import { replyCtxSchema } from './inbound.js';
import { parseOrThrow } from './parse-or-throw.js';

export const outboundTargetSchema = z.object({
  chatId: z.string().min(1),
  reply: replyCtxSchema.optional(),
});
export type OutboundTarget = z.infer<typeof outboundTargetSchema>;

/** The most bytes `OutboundMedia.data` may decode to (10 MiB); larger media go by `url`. */
export const MAX_OUTBOUND_MEDIA_BYTES = 10 * 1024 * 1024;

/** How many bytes a base64 string decodes to, without decoding it. */
export function base64DecodedLength(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

/**
 * An image, file, audio or video to send (`Capability.Media`). Exactly one of `url` (the adapter
 * fetches it through the hub's egress policy, then uploads or links it) and `data` (base64, at
 * most `MAX_OUTBOUND_MEDIA_BYTES` decoded).
 */
export const outboundMediaSchema = z
  .object({
    kind: z.enum(['image', 'file', 'audio', 'video']),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    data: z.base64().optional(),
    /** The file name shown to people (files); adapters pick one when absent. */
    name: z.string().min(1).max(255).optional(),
    mimeType: z.string().min(1).max(255).optional(),
    caption: z.string().max(4096).optional(),
  })
  .refine((media) => (media.url === undefined) !== (media.data === undefined), {
    message: 'media needs exactly one of url and data',
    path: ['url'],
  })
  .refine(
    (media) => media.data === undefined || base64DecodedLength(media.data) <= MAX_OUTBOUND_MEDIA_BYTES,
    {
      message: `media data may be at most ${MAX_OUTBOUND_MEDIA_BYTES} bytes decoded; send a url instead`,
      path: ['data'],
    },
  );
export type OutboundMedia = z.infer<typeof outboundMediaSchema>;

export const outboundMessageSchema = z
  .object({
    target: outboundTargetSchema,
    text: z.string().optional(),
    /** A platform card/block payload; only channels declaring `Cards` render it. */
    card: z.record(z.string(), z.unknown()).optional(),
    /** An attachment; only channels declaring `Media` send it (`text` then goes as its caption or beside it). */
    media: outboundMediaSchema.optional(),
    /** Lets a retried send be recognised by platforms (or adapters) that deduplicate. */
    idempotencyKey: z.string().min(1).max(128),
    /**
     * Set by the hub: its id for this outbound message and which send attempt this is. Adapters of
     * platforms without an idempotency key use them to find an earlier attempt that did post
     * before they post again.
     */
    delivery: z.object({ outboundId: z.string().min(1), attempt: z.number().int().min(1) }).optional(),
  })
  .refine(
    (message) =>
      (message.text !== undefined && message.text.length > 0) ||
      message.card !== undefined ||
      message.media !== undefined,
    {
      message: 'an outbound message needs text, a card or media',
      path: ['text'],
    },
  );
export type OutboundMessage = z.infer<typeof outboundMessageSchema>;

export const sendResultSchema = z.object({ platformMessageId: z.string().min(1) });
export type SendResult = z.infer<typeof sendResultSchema>;

export function parseOutboundMessage(input: unknown): OutboundMessage {
  return parseOrThrow(outboundMessageSchema, input);
}

export function safeParseOutboundMessage(input: unknown): z.ZodSafeParseResult<OutboundMessage> {
  return outboundMessageSchema.safeParse(input);
}
