import {
  Capability,
  type Channel,
  type DeliverableEventKind,
  has,
  type InboundEvent,
  isNotFound,
  type MembershipChange,
  type Source,
} from '@switchboard/core';
import type { ClaimedInboxRow, InstallationRecord } from '@switchboard/db';
import type { DeliveryPayload, HubUserRef } from '../agent-delivery/delivery-body.js';
import { reportRefusedCredentials } from './credentials-refused.js';
import { deliverEventToAgent } from './deliver.js';
import { ineligibleReason } from './eligibility.js';
import { type IdentityOutcome, resolveSender } from './identity.js';
import { readPolicy } from './policy.js';
import type { ProcessEventDeps } from './process-deps.js';
import { autoProvision } from './provision.js';
import { identifySender } from './resolve-identity.js';
import { deliveryRetry, errorSummary, type Settlement } from './settlement.js';

type OtherEvent = Exclude<InboundEvent, { kind: 'message' | 'ignored' }>;

/** Whether the installation's agent takes this kind (`eventTypes`, default `['message']`). */
export async function isSubscribed(
  deps: Pick<ProcessEventDeps, 'agents'>,
  installation: InstallationRecord,
  kind: DeliverableEventKind,
): Promise<boolean> {
  // Account-provisioner installations have no agent, and no events to deliver.
  if (installation.agentId === null) return false;
  const agent = await deps.agents.endpoint(installation.workspaceId, installation.agentId);
  return agent.eventTypes.includes(kind);
}

/**
 * Statuses, membership, reactions, edits and deletions, after the tenant check. What the hub
 * does with them happens whether or not the agent takes the kind (a status updates its outbound
 * record; a member who joined may be provisioned); delivery happens only if it does. Events from
 * a person (reactions, edits) need the person identified, as messages do, but never offer a
 * binding link or provision: only a message does.
 */
export async function decideEvent(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  channel: Channel,
  event: OtherEvent,
  deps: ProcessEventDeps,
): Promise<Settlement> {
  switch (event.kind) {
    case 'status':
      return decideStatus(row, installation, event.status, deps);
    case 'membership':
      return decideMembership(row, installation, channel, event.membership, deps);
    case 'reaction':
    case 'edit':
      return decideFromSender(row, installation, channel, event, deps);
    case 'delete': {
      const { chatId, platformMessageId, occurredAt } = event.delete;
      return deliverIfSubscribed(row, installation, deps, {
        type: 'delete',
        delete: { chatId, platformMessageId, occurredAt },
      });
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function decideStatus(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  status: Extract<InboundEvent, { kind: 'status' }>['status'],
  deps: ProcessEventDeps,
): Promise<Settlement> {
  const record = () =>
    deps.stores.outbound.recordDeliveryState({
      installationId: installation.id,
      platformMessageId: status.platformMessageId,
      state: status.state,
      ...(status.errorCode ? { errorCode: status.errorCode } : {}),
      at: new Date(status.occurredAt),
    });
  let update = await record();
  // A status naming one of this installation's outbound messages whose send answer never arrived:
  // the message did go out, so it is recorded as sent (and not posted again by a retry).
  let adopted = false;
  if (!update && status.outboundId) {
    adopted = await deps.stores.outbound.adoptPlatformMessageId({
      installationId: installation.id,
      id: status.outboundId,
      platformMessageId: status.platformMessageId,
    });
    // Recorded again either way: when not adopted, another status of the same message may just
    // have adopted it.
    update = await record();
  }
  // Else another post of a message the hub has on record: a retry posted it twice.
  const duplicateOf =
    !update && status.outboundId && UUID.test(status.outboundId)
      ? await deps.stores.outbound.get(installation.id, status.outboundId).then(
          (existing) => existing.id,
          (error: unknown) => {
            if (isNotFound(error)) return undefined;
            throw error;
          },
        )
      : undefined;
  const outbound = update
    ? { outboundMessageId: update.record.id, stateChanged: update.changed, ...(adopted ? { adopted } : {}) }
    : { outboundMessageId: null, ...(duplicateOf ? { duplicateOf } : {}) };
  return deliverIfSubscribed(
    row,
    installation,
    deps,
    {
      type: 'status',
      status: {
        state: status.state,
        platformMessageId: status.platformMessageId,
        ...(update ? { outboundMessageId: update.record.id } : {}),
        ...(status.chatId ? { chatId: status.chatId } : {}),
        ...(status.errorCode ? { errorCode: status.errorCode } : {}),
        ...(status.errorMessage ? { error: status.errorMessage } : {}),
        occurredAt: status.occurredAt,
      },
    },
    { detail: outbound },
  );
}

/**
 * A member who joined is identified like a sender and, on an installation with `auto_provision`,
 * provisioned (the bot being added or removed, and members leaving, are only reported). A
 * refused provisioning is recorded in the audit detail; the event is still reported to the agent,
 * without a hub user.
 */
async function decideMembership(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  channel: Channel,
  membership: MembershipChange,
  deps: ProcessEventDeps,
): Promise<Settlement> {
  const member = membership.member;
  const source: Source = {
    ...membership.scope,
    chatId: membership.chatId ?? '',
    chatType: membership.chatType ?? 'group',
    sender: member,
  };
  let user: HubUserRef | undefined;
  let provisioning: string | undefined;
  if (!member.isBot && (membership.action === 'member_joined' || membership.action === 'member_left')) {
    // Somebody leaving is named by their binding only: leaving is no reason to bind anyone.
    const identity =
      membership.action === 'member_joined'
        ? await identifySender(
            deps.stores,
            deps.namespaces,
            installation,
            channel,
            source,
            row.platformEventId,
          )
        : await resolveSender(deps.stores, installation, source);
    if (identity.status === 'bound') user = identity.user;
    const policy = readPolicy(installation.config);
    if (
      membership.action === 'member_joined' &&
      identity.status === 'not_bound' &&
      policy.auto_provision &&
      deps.provisioning &&
      has(channel.capabilities(), Capability.AutoProvision)
    ) {
      try {
        const outcome = await autoProvision(installation, channel, policy, source, {
          stores: deps.stores,
          ...deps.provisioning,
          platformEventId: row.platformEventId,
        });
        if (outcome.status === 'provisioned') {
          user = outcome.user;
          provisioning = outcome.created ? 'created' : 'existing';
        } else {
          provisioning = outcome.reason;
        }
      } catch (error) {
        reportRefusedCredentials(deps, installation.id, error);
        return {
          kind: 'retry',
          error: errorSummary(error),
          deadReason: 'provision_failed',
          auditEachAttempt: true,
        };
      }
    }
  }
  const { scope: _scope, ...rest } = membership;
  return deliverIfSubscribed(
    row,
    installation,
    deps,
    { type: 'membership', membership: { ...rest, ...(user ? { user } : {}) } },
    {
      channelUserId: member.id,
      ...(user ? { userId: user.id } : {}),
      detail: { action: membership.action, ...(provisioning ? { provisioning } : {}) },
    },
  );
}

async function decideFromSender(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  channel: Channel,
  event: Extract<InboundEvent, { kind: 'reaction' | 'edit' }>,
  deps: ProcessEventDeps,
): Promise<Settlement> {
  const source = event.kind === 'edit' ? event.edit.message.source : event.reaction.source;
  const channelUserId = source.sender.id;
  if (event.kind === 'edit') {
    // An edit reaches the agent only where the message itself would have.
    const reason = ineligibleReason(event.edit.message, readPolicy(installation.config));
    if (reason) return { kind: 'done', audit: { reason, channelUserId } };
  } else if (source.sender.isExternal && !readPolicy(installation.config).allow_external_senders) {
    return { kind: 'done', audit: { reason: 'external_guest', channelUserId } };
  }
  // Before identity work: an agent that does not take the kind costs no lookups.
  if (!(await isSubscribed(deps, installation, event.kind))) {
    return { kind: 'done', audit: { reason: 'not_subscribed', channelUserId, detail: { kind: event.kind } } };
  }
  const identity: IdentityOutcome = await identifySender(
    deps.stores,
    deps.namespaces,
    installation,
    channel,
    source,
    row.platformEventId,
  );
  if (identity.status === 'not_bound') {
    return { kind: 'done', audit: { reason: 'not_bound', channelUserId, detail: { kind: event.kind } } };
  }
  if (identity.status === 'non_workspace_member') {
    return {
      kind: 'done',
      audit: {
        reason: 'non_workspace_member',
        channelUserId,
        userId: identity.userId,
        detail: { bindingRemoved: true },
      },
    };
  }
  const payload: DeliveryPayload =
    event.kind === 'edit'
      ? {
          type: 'edit',
          edit: { message: withoutRaw(event.edit.message), editedAt: event.edit.editedAt },
          user: identity.user,
        }
      : {
          type: 'reaction',
          reaction: {
            action: event.reaction.action,
            emoji: event.reaction.emoji,
            chatId: source.chatId,
            platformMessageId: event.reaction.platformMessageId,
            sender: source.sender,
            occurredAt: event.reaction.occurredAt,
          },
          user: identity.user,
        };
  return deliverIfSubscribed(row, installation, deps, payload, { channelUserId, userId: identity.user.id });
}

function withoutRaw<T extends { raw?: unknown }>(message: T): Omit<T, 'raw'> {
  const { raw: _raw, ...rest } = message;
  return rest;
}

/** Delivers when the agent takes the kind; audited `delivered` or `not_subscribed` either way. */
async function deliverIfSubscribed(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  deps: ProcessEventDeps,
  payload: Exclude<DeliveryPayload, { type: 'message' }>,
  audit: { channelUserId?: string; userId?: string; detail?: Record<string, unknown> } = {},
): Promise<Settlement> {
  const who = {
    ...(audit.channelUserId ? { channelUserId: audit.channelUserId } : {}),
    ...(audit.userId ? { userId: audit.userId } : {}),
  };
  if (!(await isSubscribed(deps, installation, payload.type))) {
    return {
      kind: 'done',
      audit: { reason: 'not_subscribed', ...who, detail: { kind: payload.type, ...audit.detail } },
    };
  }
  const delivered = await deliverEventToAgent(row, installation, payload, deps);
  if (!delivered.ok) return deliveryRetry(delivered, deps.delivery.retryBudgetMs);
  return {
    kind: 'done',
    audit: {
      reason: 'delivered',
      ...who,
      detail: { kind: payload.type, deliveryId: row.deliveryId, ...audit.detail },
    },
  };
}
