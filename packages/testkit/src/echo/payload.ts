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

const echoUser = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  isBot: z.boolean().optional(),
});

/** A delivery report on a message the echo channel sent (`id` is the echo message id it answered). */
export const echoStatusEventSchema = z.object({
  type: z.literal('status'),
  id: z.string().min(1),
  messageId: z.string().min(1),
  state: z.enum(['sent', 'delivered', 'read', 'failed']),
  errorCode: z.string().min(1).optional(),
  chatId: z.string().min(1).optional(),
  ts: z.iso.datetime({ offset: true }).optional(),
});

/** Somebody (or the bot) joined or left a chat, or without `chatId` the tenant. */
export const echoMembershipEventSchema = z.object({
  type: z.literal('membership'),
  id: z.string().min(1),
  action: z.enum(['member_joined', 'member_left', 'bot_added', 'bot_removed']),
  chatId: z.string().min(1).optional(),
  user: echoUser,
  ts: z.iso.datetime({ offset: true }).optional(),
});

/** A reaction (`removed: true` takes it back). */
export const echoReactEventSchema = z.object({
  type: z.literal('react'),
  id: z.string().min(1),
  chatId: z.string().min(1),
  messageId: z.string().min(1),
  emoji: z.string().min(1),
  removed: z.boolean().optional(),
  user: echoUser,
  ts: z.iso.datetime({ offset: true }).optional(),
});

/** A message edited by its sender: `messageId` is the original's, `text` the new text. */
export const echoEditEventSchema = echoMessageEventSchema.extend({
  type: z.literal('edit'),
  messageId: z.string().min(1),
});

export const echoDeleteEventSchema = z.object({
  type: z.literal('delete'),
  id: z.string().min(1),
  chatId: z.string().min(1),
  messageId: z.string().min(1),
  ts: z.iso.datetime({ offset: true }).optional(),
});

export type EchoStatusEvent = z.infer<typeof echoStatusEventSchema>;
export type EchoMembershipEvent = z.infer<typeof echoMembershipEventSchema>;
export type EchoReactEvent = z.infer<typeof echoReactEventSchema>;
export type EchoEditEvent = z.infer<typeof echoEditEventSchema>;
export type EchoDeleteEvent = z.infer<typeof echoDeleteEventSchema>;

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
