// Everything this replica knows and does about one long-connection installation: its current
// spec, the lease if held, the connection if running, and the status it reports. Operations that
// change the lease or the connection run one at a time through `#queue`; losing the lease is the
// exception and acts at once, because a replica that may no longer hold it must not stay connected.
import { performance } from 'node:perf_hooks';
import { type InboundEvent, isCredentialsRefused, type Logger, type Provisioner } from '@switchboard/core';
import type { Db } from '@switchboard/db';
import type { BackoffPolicy } from './backoff.js';
import type { ChannelSpec } from './channel-spec.js';
import { Connection } from './connection.js';
import type { InventoryRow } from './inventory.js';
import { claimLease } from './lease.js';
import { LeaseKeeper, type LeaseTiming } from './lease-keeper.js';
import type { ConnectionStatus } from './status.js';

export interface SlotEnvironment {
  db: Db;
  ownerId: string;
  timing: LeaseTiming;
  disabled: boolean;
  backoff: BackoffPolicy;
  callTimeoutMs: number;
  /** Failed connects in a row before the slot stops reconnecting (see ConnectionOptions). */
  restartBudget: number;
  /** Missed heartbeat intervals before a connection is restarted as stale (see ConnectionOptions). */
  missedHeartbeats: number;
  logger: Logger;
  emit(installationId: string, event: InboundEvent): Promise<void>;
  random?: () => number;
  provisioner?: Provisioner | undefined;
}

export type SlotTarget = { spec: ChannelSpec } | { error: Error };

export class InstallationSlot {
  readonly id: string;
  readonly #env: SlotEnvironment;
  readonly #logger: Logger;
  #spec?: ChannelSpec;
  #keeper?: LeaseKeeper;
  #connection?: Connection;
  #leaseOwner: string | null = null;
  #leaseGeneration = 0n;
  #lastError?: { message: string; at: Date; credentialsRefused: boolean };
  /** When the current connection was first seen silent past its heartbeat. */
  #staleSince?: Date;
  #reconnects = 0;
  #leaseLosses = 0;
  #stopped = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(id: string, env: SlotEnvironment) {
    this.id = id;
    this.#env = env;
    this.#logger = env.logger.child({ installationId: id });
  }

  /** Brings the slot in line with the database: claim if free, restart on a config change. */
  reconcile(row: InventoryRow, target: SlotTarget): Promise<void> {
    return this.#enqueue(() => this.#reconcile(row, target));
  }

  /** Records an error that leaves the current connection as it is (e.g. a failed read). */
  noteError(error: Error): void {
    this.#recordError(error);
  }

  /** Disconnects for good; `release: false` leaves the lease to expire (what a crash looks like). */
  retire(options: { release: boolean }): Promise<void> {
    return this.#enqueue(async () => {
      this.#stopped = true;
      await this.#dropHolding(options.release);
    });
  }

  status(): ConnectionStatus {
    const connection = this.#connection;
    let state: ConnectionStatus['state'] = 'parked';
    if (this.#stopped) state = 'stopped';
    else if (connection && connection.state !== 'stopped') state = connection.state;
    const connectedAt = state === 'connected' ? connection?.connectedAt : undefined;
    const staleSince = this.#stale(connection, state);
    return {
      installationId: this.id,
      connected: state === 'connected',
      leaseOwner: this.#leaseOwner,
      leaseGeneration: this.#leaseGeneration.toString(),
      ...(connectedAt ? { connectedAt: connectedAt.toISOString() } : {}),
      ...(this.#lastError
        ? { lastError: this.#lastError.message, lastErrorAt: this.#lastError.at.toISOString() }
        : {}),
      reconnectAttempts: connection?.attempts ?? 0,
      credentialsRefused: state !== 'connected' && this.#lastError?.credentialsRefused === true,
      ...(staleSince ? { staleSince: staleSince.toISOString() } : {}),
      reconnects: this.#reconnects,
      leaseLosses: this.#leaseLosses,
      state,
    };
  }

  // Only channels that report a heartbeat can go stale: a quiet workspace sends no events for
  // hours, so silence alone says nothing about a channel that never reports its pongs.
  // The connection's watchdog restarts it once it misses a few intervals; this shows the moment
  // in between, when one interval has passed without a sign of life.
  #stale(connection: Connection | undefined, state: ConnectionStatus['state']): Date | undefined {
    const intervalMs = connection?.heartbeatInterval();
    const aliveAt = connection?.lastAliveAt;
    if (state !== 'connected' || !connection?.reportsAlive || !intervalMs || !aliveAt) {
      this.#staleSince = undefined;
      return undefined;
    }
    if (Date.now() - aliveAt.getTime() <= intervalMs) {
      this.#staleSince = undefined;
      return undefined;
    }
    this.#staleSince ??= new Date(aliveAt.getTime() + intervalMs);
    return this.#staleSince;
  }

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(operation).catch((error: unknown) => {
      this.#recordError(error instanceof Error ? error : new Error(String(error)));
      this.#logger.error({ err: (error as Error).message }, 'supervisor operation failed');
    });
    this.#queue = next;
    return next;
  }

  async #reconcile(row: InventoryRow, target: SlotTarget): Promise<void> {
    if (this.#stopped) return;
    if ('error' in target) {
      this.#recordError(target.error);
      this.#spec = undefined;
      const wasHolding = this.#keeper !== undefined;
      await this.#dropHolding(true);
      // The row was read before we released, so it would still name us.
      if (!wasHolding) this.#observeLease(row);
      return;
    }
    const { spec } = target;
    const keeper = this.#keeper;
    if (keeper) {
      if (this.#spec?.fingerprint === spec.fingerprint) return;
      this.#logger.info('installation config changed; restarting its connection');
      this.#spec = spec;
      const previous = this.#connection;
      this.#connection = undefined;
      await previous?.stop();
      if (this.#keeper === keeper && !this.#stopped) this.#startConnection(spec);
      return;
    }
    this.#spec = spec;
    this.#observeLease(row);
    if (this.#env.disabled) return;
    if (row.leaseLive && row.leaseOwner !== this.#env.ownerId) return;
    await this.#claim(spec);
  }

  async #claim(spec: ChannelSpec): Promise<void> {
    const { db, ownerId, timing } = this.#env;
    const sentAt = performance.now();
    const generation = await claimLease(db, this.id, ownerId, timing.ttlMs);
    if (generation === null) return;
    const keeper: LeaseKeeper = new LeaseKeeper({
      db,
      lease: { installationId: this.id, owner: ownerId, generation },
      timing,
      logger: this.#logger,
      onLost: (reason) => this.#onLeaseLost(keeper, reason),
    });
    this.#keeper = keeper;
    this.#leaseOwner = ownerId;
    this.#leaseGeneration = generation;
    keeper.start(sentAt);
    this.#logger.info({ leaseGeneration: generation.toString() }, 'lease claimed');
    this.#startConnection(spec);
  }

  #startConnection(spec: ChannelSpec): void {
    const connection = new Connection({
      spec,
      logger: this.#logger,
      emit: (event) => this.#env.emit(this.id, event),
      backoff: this.#env.backoff,
      callTimeoutMs: this.#env.callTimeoutMs,
      restartBudget: this.#env.restartBudget,
      missedHeartbeats: this.#env.missedHeartbeats,
      // Every connection failure schedules a reconnect.
      onError: (error) => {
        this.#reconnects++;
        this.#recordError(error);
      },
      random: this.#env.random,
      provisioner: this.#env.provisioner,
    });
    this.#connection = connection;
    connection.start();
  }

  // Synchronous on purpose: not queued behind a restart or a claim, so the disconnect starts now.
  #onLeaseLost(keeper: LeaseKeeper, reason: string): void {
    if (this.#keeper !== keeper) return;
    this.#keeper = undefined;
    this.#leaseOwner = null;
    this.#leaseLosses++;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#recordError(new Error(reason));
    this.#logger.warn({ reason }, 'lease lost; disconnecting');
    void connection?.stop();
  }

  // Disconnect first, then let go of the lease: renewals continue while a slow disconnect runs,
  // so no other replica can claim the installation while we may still be connected.
  async #dropHolding(release: boolean): Promise<void> {
    const keeper = this.#keeper;
    const connection = this.#connection;
    this.#keeper = undefined;
    this.#connection = undefined;
    await connection?.stop();
    if (!keeper) return;
    if (release) {
      await keeper.release();
      this.#leaseOwner = null;
    } else {
      keeper.stop();
    }
  }

  #observeLease(row: InventoryRow): void {
    if (this.#keeper) return;
    this.#leaseOwner = row.leaseLive ? row.leaseOwner : null;
    this.#leaseGeneration = row.leaseGeneration;
  }

  #recordError(error: Error): void {
    this.#lastError = {
      message: error.message,
      at: new Date(),
      credentialsRefused: isCredentialsRefused(error),
    };
  }
}
