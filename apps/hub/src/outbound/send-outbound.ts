import { type Logger, PlatformError, parseOutboundMessage } from '@switchboard/core';
import type { ClaimedOutbound, OutboundStore } from '@switchboard/db';
import type { ChannelHost } from '../channels/host.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import { persistently } from '../pipeline/persistently.js';
import { type BackoffPolicy, equalJitterDelay } from '../retry/backoff.js';

export interface SendOutboundDeps {
  outbound: OutboundStore;
  channels: ChannelHost;
  logger: Logger;
  metrics?: PipelineMetrics;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** A platform that hangs must not hold a worker slot forever. */
  sendTimeoutMs: number;
  /** Claims older than this are taken over; bookkeeping writes are retried for half of it. */
  staleClaimMs: number;
  /** Told after a message was sent and recorded as sent (installation status). */
  onSent?(installationId: string): void;
  /** Told when the platform refused the installation's credentials, so its status says so. */
  onCredentialsRefused?(installationId: string, message: string): void;
}

/**
 * Sends one claimed outbound row through its installation's channel. Rate limits wait for the
 * platform's Retry-After; transient failures back off; permanent ones fail at once with the
 * platform's error kept on the record.
 */
export async function sendOutboundRow(row: ClaimedOutbound, deps: SendOutboundDeps): Promise<void> {
  let lookup: Awaited<ReturnType<ChannelHost['lookup']>>;
  try {
    lookup = await deps.channels.lookup(row.installationId);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    await persistently(() => retryOrFail(row, deps, why, undefined, true), deps.staleClaimMs / 2);
    return;
  }
  if (lookup.status !== 'active') {
    const why =
      lookup.status === 'broken'
        ? `installation cannot start: ${lookup.error.message}`
        : `installation is ${lookup.status}`;
    await retryOrFail(row, deps, why, undefined, lookup.status === 'broken');
    return;
  }
  const { channel } = lookup.installation;
  let result: { platformMessageId: string };
  try {
    // The attempt was recorded (claimed, attempts + 1) before this call; the adapter learns which
    // one it is so it can look for an earlier attempt's post first.
    const message = parseOutboundMessage({
      ...(row.payload as Record<string, unknown>),
      delivery: { outboundId: row.id, attempt: row.attempts },
    });
    if (row.updateOfId) {
      if (!channel.update)
        throw new PlatformError('permanent', `${channel.type} channels cannot edit messages`);
      if (!row.updateOfPlatformMessageId) {
        // The message to edit has not gone out yet (or failed): wait for it rather than post anew.
        throw new PlatformError('transient', 'the message to update has not been sent yet');
      }
      result = await withTimeout(channel.update(row.updateOfPlatformMessageId, message), deps.sendTimeoutMs);
    } else {
      result = await withTimeout(channel.send(message), deps.sendTimeoutMs);
    }
  } catch (error) {
    const retryable =
      !(error instanceof PlatformError) || error.kind === 'rate_limited' || error.kind === 'transient';
    const retryAfterMs = error instanceof PlatformError ? error.retryAfterMs : undefined;
    const summary =
      error instanceof PlatformError && error.platformCode
        ? `${error.platformCode}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    deps.logger.debug({ err: error, outboundId: row.id }, 'outbound send failed');
    if (error instanceof PlatformError && error.kind === 'unauthorized') {
      deps.onCredentialsRefused?.(row.installationId, summary);
    }
    await persistently(() => retryOrFail(row, deps, summary, retryAfterMs, retryable), deps.staleClaimMs / 2);
    return;
  }
  // Once the platform has the message, recording that is worth waiting for: a row left claimed
  // would be taken over later and sent a second time.
  const sent = result;
  await persistently(() => deps.outbound.markSent(row, sent.platformMessageId), deps.staleClaimMs / 2);
  deps.onSent?.(row.installationId);
  deps.metrics?.outbound.inc({ status: 'sent' });
}

async function retryOrFail(
  row: ClaimedOutbound,
  deps: SendOutboundDeps,
  error: string,
  retryAfterMs: number | undefined,
  retryable: boolean,
): Promise<void> {
  if (retryable && row.attempts < deps.maxAttempts) {
    // A rate limit says exactly when to come back; anything else backs off.
    const delay = retryAfterMs ?? equalJitterDelay(row.attempts, deps.backoff);
    await deps.outbound.retryLater(row, delay, error);
    deps.metrics?.outbound.inc({ status: retryAfterMs !== undefined ? 'rate_limited' : 'retry' });
    return;
  }
  await deps.outbound.fail(row, error);
  deps.metrics?.outbound.inc({ status: 'failed' });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PlatformError('transient', `platform did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
