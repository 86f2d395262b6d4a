import type { InboundEvent, Logger } from '@switchboard/core';
import type { AuditEntry, AuditReason, ClaimedInboxRow, InstallationRecord, Stores } from '@switchboard/db';
import type { ChannelHost } from '../channels/host.js';
import { type BackoffPolicy, backoffDelayMs } from '../delivery/backoff.js';
import { type BindingLinkOptions, offerBindingLink } from './binding-link.js';
import { deliverToAgent } from './deliver.js';
import { ineligibleReason, isLinkCommand } from './eligibility.js';
import { resolveSender } from './identity.js';
import type { PipelineMetrics } from './metrics.js';
import { readPolicy } from './policy.js';

export interface ProcessEventDeps {
  stores: Stores;
  channels: ChannelHost;
  logger: Logger;
  metrics?: PipelineMetrics;
  binding: BindingLinkOptions;
  delivery: {
    timeoutMs: number;
    /** Attempts per event before it is dead-lettered. */
    maxAttempts: number;
    backoff: BackoffPolicy;
    fetch?: typeof globalThis.fetch;
  };
}

type Settlement =
  | { kind: 'done'; audit: Omit<AuditEntry, 'installationId' | 'workspaceId' | 'channelType'> }
  | { kind: 'retry'; error: string; deadReason: AuditReason };

/**
 * Step 3 for one claimed inbox row: eligibility -> identity -> delivery, then exactly one audit
 * row for the terminal decision. Order matters: group chatter not addressed to the bot is dropped
 * before any identity work. A failure that may heal (agent down, database hiccup, adapter error)
 * puts the row back with backoff; after `maxAttempts` it is dead-lettered and audited.
 */
export async function processInboxRow(row: ClaimedInboxRow, deps: ProcessEventDeps): Promise<void> {
  const lookup = await deps.channels.lookup(row.installationId);
  if (lookup.status === 'unknown') {
    // The installation was deleted after the event was recorded; nothing can act on it.
    await settle(row, deps, null, { kind: 'done', audit: { reason: 'unknown_installation' } });
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
      settlement = await decide(row, record, row.payload as InboundEvent, deps);
    }
  } catch (error) {
    deps.logger.warn(
      { err: error, installationId: row.installationId, eventId: row.platformEventId },
      'event processing failed',
    );
    settlement = { kind: 'retry', error: errorSummary(error), deadReason: 'processing_failed' };
  }
  await settle(row, deps, record, settlement);
}

async function decide(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  event: InboundEvent,
  deps: ProcessEventDeps,
): Promise<Settlement> {
  if (event.kind === 'ignored') {
    return {
      kind: 'done',
      audit: { reason: event.reason, ...(event.detail ? { detail: { why: event.detail } } : {}) },
    };
  }
  const message = event.message;
  const sender = message.source.sender.id;
  const reason = ineligibleReason(message, readPolicy(installation.config));
  if (reason) return { kind: 'done', audit: { reason, channelUserId: sender } };

  if (isLinkCommand(message)) {
    const outcome = await offerBindingLink(
      deps.stores,
      installation,
      message,
      row.platformEventId,
      deps.binding,
    );
    return { kind: 'done', audit: { reason: 'link_requested', channelUserId: sender, detail: { outcome } } };
  }
  const identity = await resolveSender(deps.stores, installation, message);
  if (identity.status === 'not_bound') {
    const outcome = await offerBindingLink(
      deps.stores,
      installation,
      message,
      row.platformEventId,
      deps.binding,
    );
    return { kind: 'done', audit: { reason: 'not_bound', channelUserId: sender, detail: { outcome } } };
  }
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
  if (!delivered.ok) return { kind: 'retry', error: delivered.error, deadReason: 'delivery_failed' };
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
  if (settlement.kind === 'retry' && row.attempts < deps.delivery.maxAttempts) {
    const delay = backoffDelayMs(row.attempts, deps.delivery.backoff);
    await deps.stores.inbox.retryLater(row, delay, settlement.error);
    return;
  }
  const audit: AuditEntry =
    settlement.kind === 'done'
      ? { ...scope, ...settlement.audit }
      : {
          ...scope,
          reason: settlement.deadReason,
          detail: { attempts: row.attempts, error: settlement.error, deliveryId: row.deliveryId },
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

function errorSummary(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
