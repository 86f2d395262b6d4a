import {
  Capability,
  type Channel,
  has,
  type InboundEvent,
  inboundEventScope,
  inboundEventSender,
} from '@switchboard/core';
import type { AuditEntry, ClaimedInboxRow, InstallationRecord } from '@switchboard/db';
import type { ChannelHost } from '../channels/host.js';
import { fullJitterDelay } from '../retry/backoff.js';
import { offerBindingLink } from './binding-link.js';
import { reportRefusedCredentials } from './credentials-refused.js';
import { deliverToAgent } from './deliver.js';
import { ineligibleReason, isLinkCommand } from './eligibility.js';
import { decideEvent, isSubscribed } from './events.js';
import { followIdentityChange } from './follow-identity-change.js';
import { persistently } from './persistently.js';
import { readPolicy } from './policy.js';
import type { ProcessEventDeps } from './process-deps.js';
import { autoProvision } from './provision.js';
import { identifySender } from './resolve-identity.js';
import { deliveryRetry, errorSummary, type Settlement } from './settlement.js';
import { tenantMismatch } from './tenant.js';

/**
 * Step 3 for one claimed inbox row: tenant -> eligibility -> identity (binding, identity graph,
 * auto-provisioning) -> delivery, then exactly one audit row for the terminal decision. Events
 * other than messages take their own path (`decideEvent`). Order matters: group chatter not addressed to the bot is dropped
 * before any identity work. A failure that may heal puts the row back with backoff: an agent that
 * fails is retried for its retry budget (time since the event arrived), anything else (database
 * hiccup, adapter error, an event that throws) for `maxAttempts`; then it is dead-lettered and
 * audited, and holds its conversation until an admin retries or discards it.
 */
export async function processInboxRow(row: ClaimedInboxRow, deps: ProcessEventDeps): Promise<void> {
  let lookup: Awaited<ReturnType<ChannelHost['lookup']>>;
  try {
    lookup = await deps.channels.lookup(row.installationId);
  } catch (error) {
    const retry = { kind: 'retry', error: errorSummary(error), deadReason: 'processing_failed' } as const;
    await settlePersistently(row, deps, null, retry);
    return;
  }
  if (lookup.status === 'unknown') {
    // The installation was deleted after the event was recorded; nothing can act on it.
    await settlePersistently(row, deps, null, { kind: 'done', audit: { reason: 'unknown_installation' } });
    return;
  }
  const record = lookup.status === 'active' ? lookup.installation.record : lookup.record;
  let settlement: Settlement;
  try {
    if (lookup.status === 'revoked') {
      settlement = { kind: 'done', audit: { reason: 'installation_revoked' } };
    } else if (lookup.status === 'broken') {
      settlement = {
        kind: 'retry',
        error: `installation cannot start: ${lookup.error.message}`,
        deadReason: 'processing_failed',
      };
    } else {
      settlement = await decide(row, record, lookup.installation.channel, row.payload as InboundEvent, deps);
    }
  } catch (error) {
    deps.logger.warn(
      { err: error, installationId: row.installationId, eventId: row.platformEventId },
      'event processing failed',
    );
    reportRefusedCredentials(deps, row.installationId, error);
    settlement = { kind: 'retry', error: errorSummary(error), deadReason: 'processing_failed' };
  }
  await settlePersistently(row, deps, record, settlement);
}

/** Settles; the decision stays the same across tries, so a blip never delivers twice. */
function settlePersistently(
  row: ClaimedInboxRow,
  deps: ProcessEventDeps,
  installation: InstallationRecord | null,
  settlement: Settlement,
): Promise<void> {
  return persistently(() => settle(row, deps, installation, settlement), deps.staleClaimMs / 2);
}

async function decide(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  channel: Channel,
  event: InboundEvent,
  deps: ProcessEventDeps,
): Promise<Settlement> {
  if (event.kind === 'ignored') {
    return {
      kind: 'done',
      audit: { reason: event.reason, ...(event.detail ? { detail: { why: event.detail } } : {}) },
    };
  }
  // Before anything reads identities: an event of another tenant or app never reaches them.
  const scope = inboundEventScope(event);
  const channelUserId = inboundEventSender(event)?.id ?? null;
  const mismatch = scope ? tenantMismatch(channel, scope) : undefined;
  if (mismatch) return { kind: 'done', audit: { ...mismatch, channelUserId } };
  if (event.kind !== 'message') return decideEvent(row, installation, channel, event, deps);
  const message = event.message;
  const sender = message.source.sender.id;
  const policy = readPolicy(installation.config);
  const reason = ineligibleReason(message, policy);
  if (reason) return { kind: 'done', audit: { reason, channelUserId: sender } };
  if (!(await isSubscribed(deps, installation, 'message'))) {
    return {
      kind: 'done',
      audit: { reason: 'not_subscribed', channelUserId: sender, detail: { kind: 'message' } },
    };
  }

  const offerLink = async (reason: 'link_requested' | 'not_bound'): Promise<Settlement> => {
    const outcome = await offerBindingLink(
      deps.stores,
      installation,
      message,
      row.platformEventId,
      deps.binding,
    );
    return { kind: 'done', audit: { reason, channelUserId: sender, detail: { outcome } } };
  };
  if (isLinkCommand(message, channel)) return offerLink('link_requested');
  if (event.identityChange) {
    // Before identifying the sender: the notice may come from the new ids already.
    await followIdentityChange(
      deps.stores,
      deps.namespaces,
      installation,
      event.identityChange,
      row.platformEventId,
      sender,
    );
  }
  let identity = await identifySender(
    deps.stores,
    deps.namespaces,
    installation,
    channel,
    message.source,
    row.platformEventId,
  );
  const provisioning = deps.provisioning;
  if (
    identity.status === 'not_bound' &&
    policy.auto_provision &&
    provisioning &&
    has(channel.capabilities(), Capability.AutoProvision)
  ) {
    let outcome: Awaited<ReturnType<typeof autoProvision>>;
    try {
      outcome = await autoProvision(installation, channel, policy, message.source, {
        stores: deps.stores,
        ...provisioning,
        platformEventId: row.platformEventId,
      });
    } catch (error) {
      reportRefusedCredentials(deps, installation.id, error);
      // The message waits for a later attempt; it is never delivered as somebody else.
      return {
        kind: 'retry',
        error: errorSummary(error),
        deadReason: 'provision_failed',
        auditEachAttempt: true,
      };
    }
    if (outcome.status === 'denied') {
      return {
        kind: 'done',
        audit: { reason: outcome.reason, channelUserId: sender, detail: outcome.detail },
      };
    }
    identity = { status: 'bound', user: outcome.user };
  }
  if (identity.status === 'not_bound') return offerLink('not_bound');
  if (identity.status === 'non_workspace_member') {
    return {
      kind: 'done',
      audit: {
        reason: 'non_workspace_member',
        channelUserId: sender,
        userId: identity.userId,
        detail: { bindingRemoved: true },
      },
    };
  }
  const delivered = await deliverToAgent(row, installation, message, identity.user, deps);
  if (!delivered.ok) return deliveryRetry(delivered, deps.delivery.retryBudgetMs);
  return {
    kind: 'done',
    audit: {
      reason: 'delivered',
      channelUserId: sender,
      userId: identity.user.id,
      detail: { deliveryId: row.deliveryId },
    },
  };
}

async function settle(
  row: ClaimedInboxRow,
  deps: ProcessEventDeps,
  installation: InstallationRecord | null,
  settlement: Settlement,
): Promise<void> {
  const scope = {
    installationId: installation?.id ?? null,
    workspaceId: installation?.workspaceId ?? null,
    channelType: installation?.channelType ?? row.channelType,
    platformEventId: row.platformEventId,
  };
  if (settlement.kind === 'retry' && mayRetry(row, settlement, deps)) {
    // Full jitter spreads a backlog's retries; an open circuit adds a little so they do not wake
    // together when it is due to probe.
    const delay =
      settlement.waitMs !== undefined
        ? settlement.waitMs + fullJitterDelay(0, deps.delivery.backoff)
        : fullJitterDelay(row.attempts - 1, deps.delivery.backoff);
    if ((await deps.stores.inbox.retryLater(row, delay, settlement.error)) && settlement.auditEachAttempt) {
      await deps.stores.audit.record({
        ...scope,
        reason: settlement.deadReason,
        detail: { attempt: row.attempts, error: settlement.error, willRetry: true },
      });
    }
    return;
  }
  const audit: AuditEntry =
    settlement.kind === 'done'
      ? { ...scope, ...settlement.audit }
      : {
          ...scope,
          reason: settlement.deadReason,
          detail: {
            attempts: row.attempts,
            error: settlement.error,
            deliveryId: row.deliveryId,
            ...(settlement.budgetMs !== undefined ? { retryBudgetMs: settlement.budgetMs } : {}),
          },
        };
  // Finishing and auditing are one statement: a crash cannot leave a decision without its audit.
  const finished = await deps.stores.inbox.finish(
    row,
    {
      state: settlement.kind === 'done' ? 'done' : 'failed',
      ...(settlement.kind === 'retry' ? { error: settlement.error } : {}),
    },
    audit,
  );
  if (!finished) {
    // Another worker reclaimed this row after our claim went stale; its outcome counts, not ours.
    deps.logger.warn(
      { installationId: row.installationId, eventId: row.platformEventId },
      'claim lost before finishing',
    );
    return;
  }
  deps.metrics?.decisions.inc({ reason: audit.reason });
}

function mayRetry(
  row: ClaimedInboxRow,
  settlement: Extract<Settlement, { kind: 'retry' }>,
  deps: ProcessEventDeps,
): boolean {
  if (settlement.budgetMs === undefined) return row.attempts < deps.delivery.maxAttempts;
  return deps.now() - row.firstSeenAt.getTime() < settlement.budgetMs;
}
