/**
 * Per-source-address token buckets for requests that name no active installation. They cost one
 * cached lookup and nothing else (no rows); a source that keeps guessing ids is answered 429
 * without even that. The table is bounded: when full, the oldest sources are forgotten.
 */
export class UnknownInstallationLimiter {
  readonly #buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly options: {
      /** Requests a source may make in a burst (default 20). */
      burst?: number;
      /** Tokens regained per second (default 1). */
      perSecond?: number;
      /** Sources remembered at most (default 10_000). */
      maxSources?: number;
      now?: () => number;
    } = {},
  ) {}

  /** True when `source` may make one more such request now (and takes a token). */
  take(source: string): boolean {
    const now = (this.options.now ?? Date.now)();
    const burst = this.options.burst ?? 20;
    const perSecond = this.options.perSecond ?? 1;
    const bucket = this.#buckets.get(source);
    const tokens = bucket
      ? Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond)
      : burst;
    this.#buckets.delete(source);
    if (this.#buckets.size >= (this.options.maxSources ?? 10_000)) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    this.#buckets.set(source, { tokens: allowed ? tokens - 1 : tokens, updatedAt: now });
    return allowed;
  }
}
