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

export class Connection {
  state: ConnectionState = 'connecting';
  /** Failed attempts since the last successful connect. */
  attempts = 0;
  connectedAt?: Date;
  /** The last sign of life: the connect, an emitted event or the channel's `reportAlive`. */
  lastAliveAt?: Date;
  /** True once the channel called `reportAlive` on this connection: it reports its heartbeat. */
  reportsAlive = false;
  readonly spec: ChannelSpec;
  readonly #options: ConnectionOptions;
  // Every attempt gets an epoch; callbacks from a superseded attempt (a late connect, a late
  // reportConnectionLost) compare epochs and do nothing.
  #epoch = 0;
  #current?: Attempt;
  #retryTimer?: NodeJS.Timeout;
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
        if (epoch === this.#epoch) this.lastAliveAt = new Date();
        return this.#options.emit(event);
      },
      reportConnectionLost: (error) => this.#fail(epoch, error),
      reportAlive: () => {
        if (epoch !== this.#epoch) return;
        this.reportsAlive = true;
        this.lastAliveAt = new Date();
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
    this.attempts = 0;
    logger.info({ installationId: spec.installationId }, 'long connection established');
  }

  #fail(epoch: number, cause: unknown): void {
    if (epoch !== this.#epoch || this.state === 'stopped') return;
    this.#epoch++;
    const error = asError(cause);
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
