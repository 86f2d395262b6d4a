import { type InboxInsert, type InboxStore, inboxKey } from '@switchboard/db';

interface Waiter {
  row: InboxInsert;
  resolve(inserted: boolean): void;
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

  /** Resolves true when the row was recorded now, false when it was already there (a duplicate). */
  insert(row: InboxInsert): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
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
    }
    this.#store.insertMany([...firstByKey.values()].map((waiter) => waiter.row)).then(
      (inserted) => {
        for (const waiter of batch) {
          const key = inboxKey(waiter.row.installationId, waiter.row.platformEventId);
          waiter.resolve(inserted.has(key) && firstByKey.get(key) === waiter);
        }
      },
      (error: unknown) => {
        for (const waiter of batch) waiter.reject(error);
      },
    );
  }
}
