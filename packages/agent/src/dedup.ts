/**
 * Remembers the ids of recent deliveries that were handled, so a repeat (the hub delivers at
 * least once) is acknowledged without running the handlers again. A repeat that arrives while
 * the first copy is still being handled waits for that outcome. Memory only: after a restart,
 * or beyond `max` ids, repeats run again, so handlers that must not repeat should also be
 * idempotent (replies are: their keys derive from the delivery id).
 */
export class RecentDeliveries<T> {
  readonly #done = new Map<string, T>();
  readonly #inFlight = new Map<string, Promise<T>>();

  constructor(readonly max = 10_000) {}

  /** Runs `work` once per id; concurrent and later calls with the same id share its result. */
  async once(id: string, work: () => Promise<T>): Promise<{ value: T; repeated: boolean }> {
    if (this.#done.has(id)) return { value: this.#done.get(id) as T, repeated: true };
    const running = this.#inFlight.get(id);
    if (running) return { value: await running, repeated: true };
    const promise = work();
    this.#inFlight.set(id, promise);
    try {
      const value = await promise;
      this.#remember(id, value);
      return { value, repeated: false };
    } finally {
      // A failure is forgotten: the hub's retry must run the handlers again.
      this.#inFlight.delete(id);
    }
  }

  #remember(id: string, value: T): void {
    this.#done.set(id, value);
    if (this.#done.size > this.max) {
      const oldest = this.#done.keys().next().value;
      if (oldest !== undefined) this.#done.delete(oldest);
    }
  }
}
