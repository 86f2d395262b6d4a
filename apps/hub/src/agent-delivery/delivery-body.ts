import type { DeliveryState, InboundMessage, MembershipAction, Sender } from '@switchboard/core';

// What an agent receives, one type per inbound event kind (docs/api.md). Each body is the
// envelope plus the kind's payload under the key named by its `type`.

export interface DeliveryEnvelope {
  /** The delivery id: stable across retries (also the `X-Switchboard-Delivery` header). */
  id: string;
  installationId: string;
  workspaceId: string;
  channelType: string;
}

/** The hub user the sender is bound to. */
export interface HubUserRef {
  id: string;
  username: string;
}

export type DeliveredMessage = Omit<InboundMessage, 'raw'>;

export interface MessageDelivery {
  type: 'message';
  message: DeliveredMessage;
  user: HubUserRef;
  session?: { id: string };
}

export interface StatusDelivery {
  type: 'status';
  status: {
    state: DeliveryState;
    platformMessageId: string;
    /** The id the hub answered when the agent sent the message; absent when it is not the hub's. */
    outboundMessageId?: string;
    chatId?: string;
    errorCode?: string;
    error?: string;
    occurredAt: string;
  };
}

export interface MembershipDelivery {
  type: 'membership';
  membership: {
    action: MembershipAction;
    chatId?: string;
    chatType?: string;
    member: Sender;
    actorId?: string;
    occurredAt: string;
    /** The member's hub user, when they are (or were just provisioned as) a member. */
    user?: HubUserRef;
  };
}

export interface ReactionDelivery {
  type: 'reaction';
  reaction: {
    action: 'added' | 'removed';
    emoji: string;
    chatId: string;
    platformMessageId: string;
    sender: Sender;
    occurredAt: string;
  };
  user: HubUserRef;
}

export interface EditDelivery {
  type: 'edit';
  edit: { message: DeliveredMessage; editedAt: string };
  user: HubUserRef;
}

export interface DeleteDelivery {
  type: 'delete';
  delete: { chatId: string; platformMessageId: string; occurredAt: string };
}

/** A delivery before the envelope is added. */
export type DeliveryPayload =
  | MessageDelivery
  | StatusDelivery
  | MembershipDelivery
  | ReactionDelivery
  | EditDelivery
  | DeleteDelivery;

export type AgentDeliveryBody = DeliveryEnvelope & DeliveryPayload;
