export interface CoalescerOptions {
  /** Most inputs answered by one statement. */
  maxBatch?: number;
  /** Statements of this kind running at once; calls made meanwhile wait and go out together. */
  maxInFlight?: number;
}

/**
 * Answers concurrent calls of one hot statement with one statement per batch (group commit for
 * reads and small writes): calls made in the same event-loop turn, or while earlier statements
 * are in flight, are sent together. A lone call waits one turn at most, so nothing is slower when
 * idle; under load the number of round trips (each a write syscall and a wake-up on both sides)
 * falls with the batch size.
 *
 * `run` answers its inputs in order, one output per input. When a batch of several fails, each
 * input is tried alone, so one input the database refuses fails only its own caller, and a batch
 * statement that fails for everyone (the database is down) fails each caller with its own error.
 */
export class Coalescer<In, Out> {
  readonly #run: (inputs: In[]) => Promise<Out[]>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #queue: Array<{ input: In; resolve(value: Out): void; reject(error: unknown): void }> = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(run: (inputs: In[]) => Promise<Out[]>, options: CoalescerOptions = {}) {
    this.#run = run;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 100);
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      if (!this.#scheduled && this.#inFlight < this.#maxInFlight) {
        this.#scheduled = true;
        // After the current turn's microtasks: every caller woken by the same answer joins in.
        setImmediate(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight++;
      void this.#answer(batch).finally(() => {
        this.#inFlight--;
        this.#flush();
      });
    }
  }

  async #answer(batch: Array<{ input: In; resolve(value: Out): void; reject(error: unknown): void }>) {
    try {
      const outputs = await this.#run(batch.map((entry) => entry.input));
      for (const [i, entry] of batch.entries()) entry.resolve(outputs[i] as Out);
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
    }
    await Promise.all(
      batch.map(async (entry) => {
        try {
          const [output] = await this.#run([entry.input]);
          entry.resolve(output as Out);
        } catch (error) {
          entry.reject(error);
        }
      }),
    );
  }
}
