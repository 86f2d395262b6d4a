import { type InboxInsert, type InboxStore, inboxKey, isDatabaseUnavailable } from '@switchboard/db';

/** `poison`: the database refused this row even on its own; the error says why. */
export type InsertOutcome = { kind: 'inserted' } | { kind: 'duplicate' } | { kind: 'poison'; error: unknown };

interface Waiter {
  row: InboxInsert;
  resolve(outcome: InsertOutcome): void;
  reject(error: unknown): void;
}

export interface InboxWriterOptions {
  /** Most rows in one INSERT. */
  maxBatch?: number;
}

/**
 * Group commit for the inbox: inserts requested during one turn of the event loop go to the
 * database as one multi-row INSERT. Commit latency, not CPU, bounds one-insert-per-request
 * ingress; batching concurrent requests removes most of it. Each caller still learns whether its
 * own row was new, and only after the commit.
 *
 * Poison isolation: rows of several requests (and tenants) share a statement, so when it fails for
 * any reason but an unreachable database, its rows are inserted again one by one. Only a row that
 * fails on its own is reported poison; the others are recorded as if nothing happened.
 */
export class InboxWriter {
  readonly #store: InboxStore;
  readonly #maxBatch: number;
  #queue: Waiter[] = [];
  #scheduled = false;

  constructor(store: InboxStore, options: InboxWriterOptions = {}) {
    this.#store = store;
    this.#maxBatch = options.maxBatch ?? 200;
  }

  insert(row: InboxInsert): Promise<InsertOutcome> {
    return new Promise<InsertOutcome>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      if (this.#queue.length >= this.#maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    // The same event twice in one batch: the first copy is inserted, the others are duplicates.
    const firstByKey = new Map<string, Waiter>();
    for (const waiter of batch) {
      const key = inboxKey(waiter.row.installationId, waiter.row.platformEventId);
      if (!firstByKey.has(key)) firstByKey.set(key, waiter);
      else waiter.resolve({ kind: 'duplicate' });
    }
    const firsts = [...firstByKey.values()];
    this.#store.insertMany(firsts.map((waiter) => waiter.row)).then(
      (inserted) => {
        for (const waiter of firsts) {
          const key = inboxKey(waiter.row.installationId, waiter.row.platformEventId);
          waiter.resolve(inserted.has(key) ? { kind: 'inserted' } : { kind: 'duplicate' });
        }
      },
      (error: unknown) => {
        if (isDatabaseUnavailable(error)) {
          for (const waiter of firsts) waiter.reject(error);
          return;
        }
        void this.#oneByOne(firsts);
      },
    );
  }

  /** In batch order, so several events of one request keep their conversation order. */
  async #oneByOne(waiters: Waiter[]): Promise<void> {
    for (const waiter of waiters) {
      try {
        const inserted = await this.#store.insertMany([waiter.row]);
        waiter.resolve(inserted.size === 1 ? { kind: 'inserted' } : { kind: 'duplicate' });
      } catch (error) {
        if (isDatabaseUnavailable(error)) waiter.reject(error);
        else waiter.resolve({ kind: 'poison', error });
      }
    }
  }
}
