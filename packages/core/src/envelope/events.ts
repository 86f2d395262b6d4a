import { z } from 'zod';
import { chatTypeSchema, inboundMessageSchema, senderSchema, sourceSchema } from './inbound.js';
import { parseOrThrow } from './parse-or-throw.js';

// The events beside messages. Each carries the installation and the tenant/app the platform named
// (`scope`, or the `source` of a sender's event), so the hub refuses another tenant's events
// (`wrong_tenant` / `wrong_app`) before it looks at anything else.

/** Where an event without a message sender came from: the `Source` fields that name the tenant. */
export const eventScopeSchema = sourceSchema.pick({
  channelType: true,
  installationId: true,
  tenantKey: true,
  appId: true,
});
export type EventScope = z.infer<typeof eventScopeSchema>;

/** How far an outbound message got. Later states never go back: sent < delivered < read. */
export const deliveryStateSchema = z.enum(['sent', 'delivered', 'read', 'failed']);
export type DeliveryState = z.infer<typeof deliveryStateSchema>;

/** A platform's report on a message the hub sent (a WhatsApp status, a read receipt). */
export const statusUpdateSchema = z.object({
  scope: eventScopeSchema,
  /** The id the platform answered when the hub sent the message (`SendResult.platformMessageId`). */
  platformMessageId: z.string().min(1),
  /**
   * The hub's outbound id, when the platform echoed one the adapter attached to the send (the
   * message id may be one the hub never learnt: the answer to the send was lost). The hub only
   * trusts it for outbound messages of the same installation.
   */
  outboundId: z.string().min(1).max(64).optional(),
  chatId: z.string().min(1).optional(),
  state: deliveryStateSchema,
  /** The platform's error code when `state` is `failed`. */
  errorCode: z.string().min(1).max(200).optional(),
  errorMessage: z.string().max(1_000).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type StatusUpdate = z.infer<typeof statusUpdateSchema>;

export const membershipActionSchema = z.enum(['member_joined', 'member_left', 'bot_added', 'bot_removed']);
export type MembershipAction = z.infer<typeof membershipActionSchema>;

/**
 * Somebody joined or left a chat (or, without `chatId`, the tenant itself), or the bot was added
 * to or removed from a chat. `member` is the person (for `bot_*`, the bot); `actorId` who did it.
 */
export const membershipChangeSchema = z.object({
  scope: eventScopeSchema,
  action: membershipActionSchema,
  chatId: z.string().min(1).optional(),
  chatType: chatTypeSchema.optional(),
  member: senderSchema,
  actorId: z.string().min(1).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type MembershipChange = z.infer<typeof membershipChangeSchema>;

/** A reaction added to or removed from a message; `source.sender` is who reacted. */
export const reactionSchema = z.object({
  source: sourceSchema,
  action: z.enum(['added', 'removed']),
  /** The platform's name for the reaction (`thumbsup`) or the emoji itself. */
  emoji: z.string().min(1).max(200),
  /** The message reacted to, in `source.chatId`. */
  platformMessageId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type Reaction = z.infer<typeof reactionSchema>;

/** A message as it reads after its sender edited it (its `platformMessageId` is the original's). */
export const messageEditSchema = z.object({
  message: inboundMessageSchema,
  editedAt: z.iso.datetime({ offset: true }),
});
export type MessageEdit = z.output<typeof messageEditSchema>;

/** A message removed from a chat. */
export const messageDeletionSchema = z.object({
  scope: eventScopeSchema,
  chatId: z.string().min(1),
  platformMessageId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type MessageDeletion = z.infer<typeof messageDeletionSchema>;

export const ignoreReasonSchema = z.enum([
  'ignored_self',
  'ignored_bot',
  'ignored_edit',
  'unsupported_event',
]);
export type IgnoreReason = z.infer<typeof ignoreReasonSchema>;

/** The platform's id for this delivery: the hub drops a redelivery by it. */
const eventId = z.string().min(1);

const identityKeySchema = z.object({
  namespace: z.string().min(1).max(64),
  identifier: z.string().min(1).max(512),
});

/**
 * The platform says a person's ids changed (a new phone number, a new platform user id): the
 * identities in `previous` now read as those in `current`. The hub moves only identities a member
 * already proved, namespace by namespace (a proven phone brings the new phone), so a message from
 * the new ids routes to the same member without binding again.
 */
export const identityChangeSchema = z.object({
  previous: z.array(identityKeySchema).min(1).max(32),
  current: z.array(identityKeySchema).min(1).max(32),
  /**
   * Sender ids (`Source.sender.id`) the platform no longer uses for this person: the hub removes
   * their bindings, so a recycled number or id never speaks as the member again.
   */
  previousSenderIds: z.array(z.string().min(1).max(256)).max(8).optional(),
});
export type IdentityChange = z.infer<typeof identityChangeSchema>;

export const inboundEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('message'),
    eventId,
    message: inboundMessageSchema,
    /** Set on a platform's notice that the sender's ids changed (see `identityChangeSchema`). */
    identityChange: identityChangeSchema.optional(),
  }),
  z.object({ kind: z.literal('status'), eventId, status: statusUpdateSchema }),
  z.object({ kind: z.literal('membership'), eventId, membership: membershipChangeSchema }),
  z.object({ kind: z.literal('reaction'), eventId, reaction: reactionSchema }),
  z.object({ kind: z.literal('edit'), eventId, edit: messageEditSchema }),
  z.object({ kind: z.literal('delete'), eventId, delete: messageDeletionSchema }),
  z.object({
    kind: z.literal('ignored'),
    eventId,
    reason: ignoreReasonSchema,
    detail: z.string().optional(),
  }),
]);
export type InboundEvent = z.output<typeof inboundEventSchema>;
export type InboundEventKind = InboundEvent['kind'];

/** The kinds an agent can be sent (everything but `ignored`), in the order docs list them. */
export const deliverableEventKinds = [
  'message',
  'status',
  'membership',
  'reaction',
  'edit',
  'delete',
] as const;
export type DeliverableEventKind = (typeof deliverableEventKinds)[number];

/** Validates an event an adapter built; throws `InvalidEnvelopeError` with zod's issues. */
export function parseInboundEvent(input: unknown): InboundEvent {
  return parseOrThrow(inboundEventSchema, input);
}

/** The tenant and app an event names, whatever its kind; undefined for `ignored`. */
export function inboundEventScope(event: InboundEvent): EventScope | undefined {
  switch (event.kind) {
    case 'message':
      return event.message.source;
    case 'edit':
      return event.edit.message.source;
    case 'reaction':
      return event.reaction.source;
    case 'status':
      return event.status.scope;
    case 'membership':
      return event.membership.scope;
    case 'delete':
      return event.delete.scope;
    case 'ignored':
      return undefined;
  }
}

/** The person an event is from (or about, for membership); undefined when there is none. */
export function inboundEventSender(event: InboundEvent): z.infer<typeof senderSchema> | undefined {
  switch (event.kind) {
    case 'message':
      return event.message.source.sender;
    case 'edit':
      return event.edit.message.source.sender;
    case 'reaction':
      return event.reaction.source.sender;
    case 'membership':
      return event.membership.member;
    default:
      return undefined;
  }
}
