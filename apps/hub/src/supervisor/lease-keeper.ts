// Keeps one held lease alive. Two ways to lose it, both ending in `onLost` exactly once:
//  - a renew matches no row (someone else claimed it, or the installation was revoked/deleted);
//  - renews keep failing (database unreachable) until the lease may have expired on the database.
// The second matters as much as the first: once our lease could have expired, another replica may
// claim it, so we must already be disconnected even though we never heard "no".
import { performance } from 'node:perf_hooks';
import type { Logger } from '@switchboard/core';
import type { Db } from '@switchboard/db';
import { type HeldLease, releaseLease, renewLease } from './lease.js';

export interface LeaseTiming {
  ttlMs: number;
  renewEveryMs: number;
}

export class LeaseKeeper {
  readonly lease: HeldLease;
  readonly #db: Db;
  readonly #timing: LeaseTiming;
  readonly #logger: Logger;
  readonly #onLost: (reason: string) => void;
  #renewTimer?: NodeJS.Timeout;
  #watchdog?: NodeJS.Timeout;
  #ended = false;

  constructor(options: {
    db: Db;
    lease: HeldLease;
    timing: LeaseTiming;
    logger: Logger;
    onLost(reason: string): void;
  }) {
    this.#db = options.db;
    this.lease = options.lease;
    this.#timing = options.timing;
    this.#logger = options.logger;
    this.#onLost = options.onLost;
  }

  /** `claimSentAt`: `performance.now()` taken before the claim was sent. */
  start(claimSentAt: number): void {
    this.#extend(claimSentAt);
    this.#scheduleRenew();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Ends renewal without touching the row (the lease then expires by itself). */
  stop(): void {
    this.#ended = true;
    clearTimeout(this.#renewTimer);
    clearTimeout(this.#watchdog);
  }

  /** Ends renewal and frees the row, fenced on our (owner, generation). Never throws. */
  async release(): Promise<void> {
    this.stop();
    try {
      await releaseLease(this.#db, this.lease);
    } catch (error) {
      this.#logger.warn(
        { installationId: this.lease.installationId, err: (error as Error).message },
        'could not release lease; it expires by itself',
      );
    }
  }

  #scheduleRenew(): void {
    if (this.#ended) return;
    this.#renewTimer = setTimeout(() => void this.#renew(), this.#timing.renewEveryMs);
  }

  // The database sets expiry = its now() + ttl when it runs the statement, which is no earlier
  // than our send time; counting from the send time keeps our local deadline on the safe side.
  #extend(sentAt: number): void {
    clearTimeout(this.#watchdog);
    const guardMs = this.#timing.renewEveryMs / 2;
    const delay = Math.max(0, sentAt + this.#timing.ttlMs - guardMs - performance.now());
    this.#watchdog = setTimeout(() => this.#lose('lease could not be renewed before it expired'), delay);
  }

  async #renew(): Promise<void> {
    if (this.#ended) return;
    const sentAt = performance.now();
    try {
      const renewed = await renewLease(this.#db, this.lease, this.#timing.ttlMs);
      if (this.#ended) return;
      if (!renewed) {
        this.#lose('lease lost: taken over, or the installation was revoked or deleted');
        return;
      }
      this.#extend(sentAt);
    } catch (error) {
      this.#logger.warn(
        { installationId: this.lease.installationId, err: (error as Error).message },
        'lease renewal failed; retrying',
      );
    }
    this.#scheduleRenew();
  }

  #lose(reason: string): void {
    if (this.#ended) return;
    this.stop();
    this.#onLost(reason);
  }
}
