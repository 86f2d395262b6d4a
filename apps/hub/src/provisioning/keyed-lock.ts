/** Runs tasks one at a time per key in this process; a key is forgotten once no one waits on it. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#tails.set(key, done);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === done) this.#tails.delete(key);
    }
  }
}
