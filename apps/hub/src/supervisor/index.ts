/**
 * Supervisor for long-connection channels (a socket the hub opens to the platform): every hub
 * replica runs one; together they keep each active long-connection installation connected exactly once.
 *
 * Invariants (see also ARCHITECTURE.md §5 Scale-out):
 * - One holder per installation. A replica connects an installation only while it holds the
 *   installation's lease row (`channel_installation.lease_owner/lease_expires_at/lease_generation`),
 *   claimed by one compare-and-set UPDATE on the database clock. Each claim bumps the generation.
 * - Fenced renew and release. Renew and release match (owner, generation), so a replica can only
 *   extend or free the holding it claimed, never a newer one.
 * - Lost lease -> disconnect. A renew that matches no row (taken over, revoked, deleted), or renews
 *   failing until the lease may have expired (counted from when the last good renew was sent),
 *   aborts the connection at once, without waiting for anything queued.
 * - Disconnect before release. Stopping or retiring an installation disconnects first and frees
 *   the lease after, so no other replica can connect while this one still is.
 * - A crashed replica's installations are claimed by a survivor once the lease expires (one TTL).
 * - Isolation. Every channel call is caught and bounded by a timeout; one installation failing,
 *   hanging or throwing only puts that installation into backoff.
 * - Revoked or deleted installations (or whose workspace or agent is gone) are disconnected on the
 *   next scan; a changed config or secret restarts the connection under the same lease.
 * - `disabled` replicas never claim: every installation is reported `parked` (rolling cut-overs).
 * - Events are not fenced: an event a connection emits while it is being torn down still goes to
 *   `emit`. It is a real platform event, the inbox drops duplicates, and a channel acknowledges it
 *   to the platform only after `emit` resolved, so passing it on loses nothing and doubles nothing.
 *
 * Files: lease.ts (the SQL), lease-keeper.ts (renew, watchdog), connection.ts (connect, backoff,
 * reconnect), installation-slot.ts (one installation: lease + connection + status), supervisor.ts
 * (the scan loop), inventory.ts and channel-spec.ts (what to hold, and how to build its channel).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { InboundEvent, Logger, Provisioner } from '@switchboard/core';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { type BackoffPolicy, defaultBackoff } from './backoff.js';
import type { ChannelTransport } from './channel-spec.js';
import type { ConnectionStatus } from './status.js';
import { SupervisorLoop } from './supervisor.js';

export type { BackoffPolicy } from './backoff.js';
export type { ConnectionStatus } from './status.js';

export interface SupervisorOptions {
  runtime: HubRuntime;
  logger: Logger;
  /** Records one event durably (the hub's inbox); resolves after commit. */
  emit(installationId: string, event: InboundEvent): Promise<void>;
  /** Default `replica-<random>`; unique per replica run, and shown by the API as `leaseHolder`. */
  ownerId?: string;
  /** Default 30_000. */
  leaseTtlMs?: number;
  /** Default leaseTtlMs / 3; at most leaseTtlMs / 2 so a renew always lands before the deadline. */
  renewEveryMs?: number;
  /**
   * How often to look for installations to claim, changed or revoked; default 2_000, or a quarter
   * of a shorter TTL so that a takeover still happens about one TTL after a holder dies.
   */
  scanEveryMs?: number;
  /** SWITCHBOARD_CONNECTIONS_DISABLED=true: the replica starts with connections parked. */
  disabled?: boolean;
  /** Reconnect backoff, full jitter; default 1_000 / 60_000. */
  backoff?: BackoffPolicy;
  /** How long `connect` (and `disconnect`) may take before it counts as failed; default 30_000. */
  connectTimeoutMs?: number;
  /**
   * Failed connects in a row after which an installation stops reconnecting until its config
   * changes or it is parked and unparked (default 20: about 15 minutes of default backoff).
   */
  restartBudget?: number;
  /**
   * Heartbeat intervals a connection that reports its heartbeat may miss in a row before the
   * supervisor restarts it as stale (default 3).
   */
  missedHeartbeats?: number;
  /** Source of randomness for the backoff jitter (tests). */
  random?: () => number;
  /** The egress-checked fetch and lookup given to every channel this replica connects. */
  transport?: ChannelTransport;
  /** Handed to channels as `ctx.provisioner`, scoped to each installation's workspace. */
  provisioner?: Provisioner;
}

export interface StopOptions {
  /**
   * Free the leases after disconnecting (default true). `false` leaves them to expire, which is
   * what a crashed replica looks like to the others; tests use it.
   */
  release?: boolean;
}

export interface Supervisor {
  readonly ownerId: string;
  /** Disconnects everything, releases leases and ends all timers; idempotent. */
  stop(options?: StopOptions): Promise<void>;
  status(installationId: string): ConnectionStatus | undefined;
  statuses(): ConnectionStatus[];
}

export const DEFAULT_RESTART_BUDGET = 20;
export const DEFAULT_MISSED_HEARTBEATS = 3;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

/**
 * An opaque replica id: lease holders are shown by the API, and host names and pids are not the
 * API's business. The supervisor logs it with both, so an operator can map it to a process.
 */
export function newReplicaId(): string {
  return `replica-${randomBytes(6).toString('hex')}`;
}

export function startSupervisor(options: SupervisorOptions): Supervisor {
  const ownerId = options.ownerId ?? newReplicaId();
  options.logger.info({ replicaId: ownerId, host: hostname(), pid: process.pid }, 'supervisor replica id');
  const ttlMs = Math.round(positive('leaseTtlMs', options.leaseTtlMs ?? 30_000));
  const renewEveryMs = positive('renewEveryMs', options.renewEveryMs ?? ttlMs / 3);
  if (renewEveryMs > ttlMs / 2) throw new RangeError('renewEveryMs must be at most half of leaseTtlMs');
  const backoff = options.backoff ?? defaultBackoff;
  positive('backoff.baseMs', backoff.baseMs);
  positive('backoff.maxMs', backoff.maxMs);
  const logger = options.logger.child({ component: 'supervisor', ownerId });
  const loop = new SupervisorLoop({
    runtime: options.runtime,
    logger,
    scanEveryMs: positive('scanEveryMs', options.scanEveryMs ?? Math.min(2_000, ttlMs / 4)),
    ...(options.transport ? { transport: options.transport } : {}),
    slot: {
      ownerId,
      timing: { ttlMs, renewEveryMs },
      disabled: options.disabled ?? false,
      backoff,
      callTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs ?? 30_000),
      restartBudget: Math.round(positive('restartBudget', options.restartBudget ?? DEFAULT_RESTART_BUDGET)),
      missedHeartbeats: positive('missedHeartbeats', options.missedHeartbeats ?? DEFAULT_MISSED_HEARTBEATS),
      emit: options.emit,
      random: options.random,
      provisioner: options.provisioner,
    },
  });
  loop.start();
  logger.info({ disabled: options.disabled ?? false, leaseTtlMs: ttlMs }, 'supervisor started');
  return {
    ownerId,
    stop: (stopOptions = {}) => loop.stop({ release: stopOptions.release ?? true }),
    status: (installationId) => loop.status(installationId),
    statuses: () => loop.statuses(),
  };
}
