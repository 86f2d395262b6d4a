/**
 * Runs tasks one at a time per key, in arrival order; a task holding several keys waits for all.
 * Keys are released when the task settles, and forgotten when no one waits on them.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(keys: string[], task: () => Promise<T>): Promise<T> {
    const previous = keys.map((key) => this.#tails.get(key) ?? Promise.resolve());
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const key of keys) this.#tails.set(key, done);
    await Promise.all(previous);
    try {
      return await task();
    } finally {
      release();
      for (const key of keys) if (this.#tails.get(key) === done) this.#tails.delete(key);
    }
  }
}
