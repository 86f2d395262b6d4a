import { z } from 'zod';
import { replyCtxSchema } from './inbound.js';
import { parseOrThrow } from './parse-or-throw.js';

export const outboundTargetSchema = z.object({
  chatId: z.string().min(1),
  reply: replyCtxSchema.optional(),
});
export type OutboundTarget = z.infer<typeof outboundTargetSchema>;

export const outboundMessageSchema = z
  .object({
    target: outboundTargetSchema,
    text: z.string().optional(),
    /** A platform card/block payload; only channels declaring `Cards` render it. */
    card: z.record(z.string(), z.unknown()).optional(),
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
    (message) => (message.text !== undefined && message.text.length > 0) || message.card !== undefined,
    {
      message: 'an outbound message needs text or a card',
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
