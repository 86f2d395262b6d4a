import type { DirectoryProfile } from '@switchboard/core';

export const PROFILE_TTL_MS = 3_600_000;

/**
 * Directory profiles per installation, so a burst of first messages from one person fetches their
 * profile once. Keyed on the sender's cross-app id when the event carries one, else the per-app
 * id. An optimization only: nothing is decided from the cache that the directory would not say.
 */
export class ProfileCache {
  readonly #entries = new Map<string, { expiresAt: number; profile: Promise<DirectoryProfile> }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? PROFILE_TTL_MS;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  get(
    installationId: string,
    senderKey: string,
    fetch: () => Promise<DirectoryProfile>,
  ): Promise<DirectoryProfile> {
    const key = `${installationId}\u0000${senderKey}`;
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.profile;
    if (this.#entries.size >= this.#maxEntries) this.#evictExpired(now);
    const profile = fetch();
    this.#entries.set(key, { expiresAt: now + this.#ttlMs, profile });
    // A failed fetch is not an answer: the next event asks the directory again.
    profile.catch(() => this.#entries.delete(key));
    return profile;
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    // Still full: drop the oldest insertions (Map iterates in insertion order).
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
