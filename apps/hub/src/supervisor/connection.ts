// One installation's connection while this replica holds its lease: connect, reconnect with
// backoff, disconnect. It knows nothing about leases; its owner stops it when the lease goes.
import type { Channel, ChannelContext, InboundEvent, Logger, Provisioner } from '@switchboard/core';
import { provisionerForInstallation } from '../channels/scoped-provisioner.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import type { ChannelSpec } from './channel-spec.js';
import { callWithTimeout } from './timeout.js';

/** `failed`: the restart budget is spent; it stays down until its config changes or it is unparked. */
export type ConnectionState = 'connecting' | 'connected' | 'backoff' | 'failed' | 'stopped';

export interface ConnectionOptions {
  spec: ChannelSpec;
  logger: Logger;
  emit(event: InboundEvent): Promise<void>;
  backoff: BackoffPolicy;
  /** Bounds both `connect` and `disconnect`: a hung channel must not pin the supervisor. */
  callTimeoutMs: number;
  /**
   * Failed attempts in a row after which the connection stops reconnecting (the restart budget).
   * Reconnecting forever against a revoked token or a disabled app only hides the problem.
   */
  restartBudget: number;
  /**
   * Heartbeat intervals a connection that reports its heartbeat may miss in a row before it is
   * restarted as stale (see `ChannelContext.reportAlive`).
   */
  missedHeartbeats: number;
  onError(error: Error): void;
  random?: () => number;
  provisioner?: Provisioner | undefined;
}

interface Attempt {
  epoch: number;
  channel: Channel;
  controller: AbortController;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A connection that stayed open but stopped showing signs of life; the supervisor restarted it. */
export class StaleConnectionError extends Error {
  override readonly name = 'StaleConnectionError';
}

export class Connection {
  state: ConnectionState = 'connecting';
  /** Failed attempts since the last successful connect. */
  attempts = 0;
  connectedAt?: Date;
  /** The last sign of life: the connect, an emitted event or the channel's `reportAlive`. */
  lastAliveAt?: Date;
  /** True once the channel called `reportAlive` on this connection: it reports its heartbeat. */
  reportsAlive = false;
  /** The heartbeat interval the platform last announced through `reportAlive`; kept across reconnects. */
  #heartbeatIntervalMs?: number;
  readonly spec: ChannelSpec;
  readonly #options: ConnectionOptions;
  // Every attempt gets an epoch; callbacks from a superseded attempt (a late connect, a late
  // reportConnectionLost) compare epochs and do nothing.
  #epoch = 0;
  #current?: Attempt;
  #retryTimer?: NodeJS.Timeout;
  #watchdog?: NodeJS.Timeout;
  // After a stale restart the next connect has not proven anything yet: the failed-attempt count
  // is kept until the new connection shows life, so one that connects but never answers a ping
  // still runs into the restart budget instead of restarting forever.
  #proveLifeBeforeReset = false;
  #stopping?: Promise<void>;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.spec = options.spec;
  }

  start(): void {
    this.#connect().catch((error: unknown) => this.#fail(this.#epoch, error));
  }

  /** Disconnects and ends all retries; safe to call more than once and concurrently. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.state = 'stopped';
      this.#epoch++;
      this.#stopWatchdog();
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      const current = this.#current;
      this.#current = undefined;
      if (current) await this.#disconnect(current);
    })();
    return this.#stopping;
  }

  async #connect(): Promise<void> {
    if (this.state === 'stopped') return;
    const epoch = ++this.#epoch;
    this.state = 'connecting';
    const { spec, logger } = this.#options;
    let channel: Channel;
    try {
      channel = spec.create();
    } catch (error) {
      this.#fail(epoch, error);
      return;
    }
    const attempt: Attempt = { epoch, channel, controller: new AbortController() };
    this.#current = attempt;
    const ctx: ChannelContext = {
      installationId: spec.installationId,
      workspaceId: spec.workspaceId,
      logger,
      signal: attempt.controller.signal,
      emit: (event) => {
        if (epoch === this.#epoch) this.#sawLife();
        return this.#options.emit(event);
      },
      reportConnectionLost: (error) => this.#fail(epoch, error),
      reportAlive: (heartbeat) => {
        if (epoch !== this.#epoch) return;
        const intervalMs = heartbeat?.intervalMs;
        if (intervalMs !== undefined && Number.isFinite(intervalMs) && intervalMs > 0) {
          this.#heartbeatIntervalMs = intervalMs;
        }
        this.reportsAlive = true;
        this.#sawLife();
        this.#armWatchdog(epoch);
      },
      ...(this.#options.provisioner
        ? { provisioner: provisionerForInstallation(this.#options.provisioner, spec) }
        : {}),
    };
    try {
      await callWithTimeout('connect', this.#options.callTimeoutMs, () => channel.connect(ctx));
    } catch (error) {
      this.#fail(epoch, error);
      return;
    }
    if (epoch !== this.#epoch) {
      // Stopped or failed while connect was pending; the channel may only now be connected.
      await this.#disconnect(attempt);
      return;
    }
    this.state = 'connected';
    this.connectedAt = new Date();
    this.lastAliveAt = this.connectedAt;
    if (!this.#proveLifeBeforeReset) this.attempts = 0;
    // Armed now too: a connection that never shows life after a stale restart must go stale again.
    if (this.reportsAlive || this.#proveLifeBeforeReset) this.#armWatchdog(epoch);
    logger.info({ installationId: spec.installationId }, 'long connection established');
  }

  /** The heartbeat interval in force: the platform's last announced one, else its factory's. */
  heartbeatInterval(): number | undefined {
    return this.#heartbeatIntervalMs ?? this.spec.heartbeatMs;
  }

  /** How long a connection that reports its heartbeat may stay silent: a few missed intervals. */
  staleAfterMs(): number | undefined {
    const interval = this.heartbeatInterval();
    return interval ? interval * this.#options.missedHeartbeats : undefined;
  }

  #sawLife(): void {
    this.lastAliveAt = new Date();
    if (this.#proveLifeBeforeReset && this.state === 'connected') {
      this.#proveLifeBeforeReset = false;
      this.attempts = 0;
    }
  }

  // One timer per connection, re-armed lazily: when it fires early (life was seen since), it
  // waits out the remainder, so signs of life cost no timer work.
  #armWatchdog(epoch: number): void {
    if (this.#watchdog) return;
    const staleAfterMs = this.staleAfterMs();
    if (!staleAfterMs) return;
    const check = () => {
      this.#watchdog = undefined;
      if (epoch !== this.#epoch || this.state !== 'connected') return;
      const limit = this.staleAfterMs() ?? staleAfterMs;
      const silentForMs = Date.now() - (this.lastAliveAt ?? new Date()).getTime();
      if (silentForMs < limit) {
        this.#watchdog = setTimeout(check, limit - silentForMs);
        this.#watchdog.unref?.();
        return;
      }
      const intervals = this.#options.missedHeartbeats;
      this.#fail(
        epoch,
        new StaleConnectionError(
          `stale connection: no sign of life (no pong, no event) for ${Math.round(silentForMs / 1000)} s, ${intervals} heartbeat intervals of ${Math.round(limit / intervals / 1000)} s; restarting it`,
        ),
      );
    };
    this.#watchdog = setTimeout(check, staleAfterMs);
    this.#watchdog.unref?.();
  }

  #stopWatchdog(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  #fail(epoch: number, cause: unknown): void {
    if (epoch !== this.#epoch || this.state === 'stopped') return;
    this.#epoch++;
    this.#stopWatchdog();
    const error = asError(cause);
    const wasStale = error instanceof StaleConnectionError;
    // A stale restart keeps expecting a heartbeat from the next connection.
    this.#proveLifeBeforeReset ||= wasStale;
    const current = this.#current;
    this.#current = undefined;
    if (current) void this.#disconnect(current);
    const delay = backoffDelay(this.attempts, this.#options.backoff, this.#options.random);
    this.attempts++;
    this.connectedAt = undefined;
    this.reportsAlive = false;
    if (this.attempts >= this.#options.restartBudget) {
      this.state = 'failed';
      this.#options.onError(error);
      this.#options.logger.error(
        { installationId: this.spec.installationId, err: error.message, attempts: this.attempts },
        'long connection failed too often in a row; not reconnecting until its config changes',
      );
      return;
    }
    this.state = 'backoff';
    this.#options.onError(error);
    this.#options.logger.warn(
      {
        installationId: this.spec.installationId,
        err: error.message,
        attempts: this.attempts,
        retryInMs: delay,
      },
      'long connection failed; reconnecting after backoff',
    );
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect().catch((error: unknown) => this.#fail(this.#epoch, error));
    }, delay);
  }

  async #disconnect(attempt: Attempt): Promise<void> {
    // Abort first: the signal is what ends a channel's read loop even if disconnect hangs.
    attempt.controller.abort();
    try {
      await callWithTimeout('disconnect', this.#options.callTimeoutMs, () => attempt.channel.disconnect());
    } catch (error) {
      this.#options.logger.warn(
        { installationId: this.spec.installationId, err: asError(error).message },
        'channel disconnect failed',
      );
    }
  }
}
