import type { Logger } from '@switchboard/core';

export interface WorkerLoopOptions<Row> {
  name: string;
  logger: Logger;
  /** Rows processed at once by this process. */
  concurrency: number;
  /** How long to sleep when there was nothing to claim (a local `wake()` cuts it short). */
  idlePollMs: number;
  claim(limit: number): Promise<Row[]>;
  /** Must settle the row itself (finish or reschedule); a throw is logged, the claim then goes stale. */
  process(row: Row): Promise<void>;
  /**
   * Renews the lease of the rows in flight, every `heartbeatMs`. Leases can then be short, so a
   * claim nobody works on (its worker died, or its commit answer was lost) is taken over in seconds.
   */
  heartbeat?: { everyMs: number; renew(rows: Row[]): Promise<unknown> };
}

/**
 * Drains a database queue with bounded concurrency. Every row it works on was claimed in the
 * database, so a crash loses nothing: unfinished claims go stale and another worker takes them.
 */
export class WorkerLoop<Row> {
  readonly #options: WorkerLoopOptions<Row>;
  #inFlight = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  /** A wake that came while no sleep was in progress; the next sleep returns at once. */
  #woken = false;
  #idle = new Set<() => void>();
  readonly #rowsInFlight = new Set<Row>();
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: WorkerLoopOptions<Row>) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
    const heartbeat = this.#options.heartbeat;
    if (heartbeat) {
      this.#heartbeat = setInterval(() => {
        if (this.#rowsInFlight.size === 0) return;
        heartbeat.renew([...this.#rowsInFlight]).catch((error: unknown) => {
          // The next beat tries again; a lease that runs out is taken over, fenced by the token.
          this.#options.logger.warn({ err: error, worker: this.#options.name }, 'renewing claims failed');
        });
      }, heartbeat.everyMs);
      this.#heartbeat.unref();
    }
  }

  /** Something was queued: claim now instead of at the next poll. */
  wake(): void {
    if (this.#wakeUp) this.#wakeUp();
    else this.#woken = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idle.add(resolve));
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async #run(): Promise<void> {
    const { logger, name, concurrency, idlePollMs } = this.#options;
    // Claim in batches: one claim query per finished row would cost as much as the work itself.
    const minBatch = Math.max(1, Math.floor(concurrency / 4));
    let failures = 0;
    let lastClaimAt = 0;
    while (this.#running) {
      const free = concurrency - this.#inFlight;
      const due = free >= minBatch || this.#inFlight === 0 || Date.now() - lastClaimAt >= idlePollMs;
      let claimed = 0;
      if (free > 0 && due) {
        lastClaimAt = Date.now();
        try {
          const rows = await this.#options.claim(free);
          claimed = rows.length;
          failures = 0;
          for (const row of rows) this.#spawn(row);
        } catch (error) {
          failures++;
          // Database outages end here; back off so a down database is not hammered.
          logger.warn({ err: error, worker: name }, 'claiming work failed');
          await this.#sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
          continue;
        }
      }
      // A full batch means more is probably waiting: claim again at once if there is room.
      if (claimed === 0 || claimed < free || this.#inFlight >= concurrency) await this.#sleep(idlePollMs);
    }
  }

  #spawn(row: Row): void {
    this.#inFlight++;
    this.#rowsInFlight.add(row);
    this.#options
      .process(row)
      .catch((error: unknown) => {
        this.#options.logger.error(
          { err: error, worker: this.#options.name },
          'processing a claimed row failed',
        );
      })
      .finally(() => {
        this.#inFlight--;
        this.#rowsInFlight.delete(row);
        this.wake();
        if (this.#inFlight === 0) {
          for (const resolve of this.#idle) resolve();
          this.#idle.clear();
        }
      });
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.#wakeUp = done;
    });
  }
}
