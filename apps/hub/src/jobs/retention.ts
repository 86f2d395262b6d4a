import type { ChannelFactory, Logger } from '@switchboard/core';
import type { PurgeCounts, RetentionPolicy, RetentionStore } from '@switchboard/db';

export const DEFAULT_RETENTION: RetentionPolicy = {
  // The dedup horizon must outlast the platform's retries. A day covers platforms that retry for
  // hours; one that retries for days declares its `redeliveryWindowMs`, which lengthens it (see
  // `retentionFor`). Dead letters are never purged.
  inboxMs: 24 * 3_600_000,
  auditMs: 30 * 24 * 3_600_000,
  outboundMs: 30 * 24 * 3_600_000,
};

/**
 * The configured retention, with a dedup horizon no shorter than any loaded platform's redelivery
 * window: a retry that outlived its dedup record would reach the agent twice.
 */
export function retentionFor(
  policy: RetentionPolicy,
  factories: ReadonlyArray<Pick<ChannelFactory, 'redeliveryWindowMs'>>,
): RetentionPolicy {
  const windows = factories.map((factory) => factory.redeliveryWindowMs ?? 0);
  return { ...policy, inboxMs: Math.max(policy.inboxMs, ...windows) };
}

export interface RetentionJobOptions {
  store: RetentionStore;
  logger: Logger;
  policy: RetentionPolicy;
  intervalMs: number;
}

/**
 * Purges finished inbox rows past the dedup horizon, old audit rows, expired binding tokens and
 * old outbound records on a timer (dead letters stay until an admin acts). Every replica may run
 * it: the deletes are idempotent.
 */
export class RetentionJob {
  readonly #options: RetentionJobOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PurgeCounts | undefined> | undefined;
  /** How many purges completed; lets operators (and tests) see the job is alive. */
  runs = 0;

  constructor(options: RetentionJobOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.runOnce(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** One purge; overlapping calls share the run in progress. Failures are logged, not thrown. */
  runOnce(): Promise<PurgeCounts | undefined> {
    this.#running ??= this.#options.store
      .purge(this.#options.policy)
      .then((counts) => {
        this.runs++;
        if (Object.values(counts).some((n) => n > 0))
          this.#options.logger.info({ purged: counts }, 'retention purge');
        return counts;
      })
      .catch((error: unknown) => {
        this.#options.logger.warn({ err: error }, 'retention purge failed');
        return undefined;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
