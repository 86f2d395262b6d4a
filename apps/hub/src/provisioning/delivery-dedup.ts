/**
 * The delivery ids an installation's webhooks were handled for in this process: the fast path of
 * replay detection, in front of the `account_delivery` audit rows that every replica reads (a
 * replay racing its original on another replica still changes nothing: transitions are
 * compare-and-set). Bounded per installation and kept for `ttlMs`.
 */
export class DeliveryDedup {
  readonly #seen = new Map<string, Map<string, number>>();

  constructor(
    private readonly options: { ttlMs?: number; maxPerInstallation?: number; now?: () => number } = {},
  ) {}

  #now() {
    return this.options.now?.() ?? Date.now();
  }

  /** True the first time (the caller handles it), false for a delivery seen within the TTL. */
  has(installationId: string, deliveryId: string): boolean {
    const seen = this.#seen.get(installationId);
    const at = seen?.get(deliveryId);
    return at !== undefined && this.#now() - at < (this.options.ttlMs ?? 24 * 60 * 60 * 1000);
  }

  /** Records a delivery once its events were applied. */
  remember(installationId: string, deliveryId: string): void {
    let seen = this.#seen.get(installationId);
    if (!seen) {
      seen = new Map();
      this.#seen.set(installationId, seen);
    }
    seen.delete(deliveryId);
    seen.set(deliveryId, this.#now());
    const max = this.options.maxPerInstallation ?? 10_000;
    for (const oldest of seen.keys()) {
      if (seen.size <= max) break;
      seen.delete(oldest);
    }
  }
}
