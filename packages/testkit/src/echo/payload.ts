import { z } from 'zod';

// The echo wire format: a deliberately small imitation of a chat platform's webhook body.

export const echoUrlVerificationSchema = z.object({
  type: z.literal('url_verification'),
  challenge: z.string().min(1),
});

export const echoMessageEventSchema = z.object({
  type: z.literal('message'),
  id: z.string().min(1),
  chatId: z.string().min(1),
  chatType: z.enum(['direct', 'group', 'thread']).optional(),
  user: z.object({
    id: z.string().min(1),
    name: z.string().optional(),
    isBot: z.boolean().optional(),
  }),
  text: z.string(),
  mentionsBot: z.boolean().optional(),
  threadId: z.string().min(1).optional(),
  ts: z.iso.datetime({ offset: true }).optional(),
});
export type EchoMessageEvent = z.infer<typeof echoMessageEventSchema>;

/** Any other event type: carried through as `unsupported_event`, but it still needs an id. */
export const echoOtherEventSchema = z.looseObject({
  type: z.string().min(1),
  id: z.string().min(1),
});
export type EchoOtherEvent = z.infer<typeof echoOtherEventSchema>;

export const echoBatchSchema = z.object({
  type: z.literal('batch'),
  events: z.array(z.unknown()),
});

/** Just enough to choose which schema applies to the rest of the body. */
export const echoTypedBodySchema = z.looseObject({ type: z.string().min(1) });
