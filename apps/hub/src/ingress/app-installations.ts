import { type ChannelFactory, type Logger, validateConfig } from '@switchboard/core';
import type { InstallationRecord, InstallationStore } from '@switchboard/db';

/** An installation of an app, with its validated config (secrets included) for the adapter. */
export interface AppInstallation {
  record: InstallationRecord;
  config: Record<string, unknown>;
}

export interface AppInstallations {
  /** Active installations whose config validates, oldest first. */
  installations: AppInstallation[];
  /**
   * The same installations by installation key (the config field the app route names), so a
   * request finds its target without scanning every tenant of the app.
   */
  byKey: Map<string, AppInstallation[]>;
  /** Installation keys of active installations whose stored config no longer validates. */
  brokenKeys: Set<string>;
}

interface CacheEntry {
  expiresAt: number;
  value: Promise<AppInstallations>;
}

/**
 * Finds the installations of one app (channel type + app key), cached briefly like the channel
 * host, so an app-level webhook does not read every installation for every request. Admin writes
 * in this process clear it; other replicas see a change within the TTL. The cache is bounded.
 */
export class AppInstallationDirectory {
  readonly #cache = new Map<string, CacheEntry>();

  constructor(
    private readonly options: {
      installations: InstallationStore;
      logger: Logger;
      cacheTtlMs?: number;
      maxEntries?: number;
    },
  ) {}

  find(factory: ChannelFactory, appKey: string): Promise<AppInstallations> {
    const cacheKey = `${factory.type}\u0000${appKey}`;
    const now = Date.now();
    const cached = this.#cache.get(cacheKey);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.#load(factory, appKey);
    this.#cache.delete(cacheKey);
    if (this.#cache.size >= (this.options.maxEntries ?? 1_000)) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(cacheKey, { expiresAt: now + (this.options.cacheTtlMs ?? 5_000), value });
    // A failed read (database down) must not be cached as an answer.
    value.catch(() => this.#cache.delete(cacheKey));
    return value;
  }

  /** Forgets everything (an installation changed; which app it belonged to may have changed too). */
  invalidate(): void {
    this.#cache.clear();
  }

  async #load(factory: ChannelFactory, appKey: string): Promise<AppInstallations> {
    const route = factory.appRoute;
    if (!route) return { installations: [], byKey: new Map(), brokenKeys: new Set() };
    const rows = await this.options.installations.listActiveByAppKey(factory.type, appKey);
    const installations: AppInstallation[] = [];
    const byKey = new Map<string, AppInstallation[]>();
    const brokenKeys = new Set<string>();
    for (const { secrets, ...record } of rows) {
      try {
        const installation = { record, config: validateConfig(factory, { ...record.config, ...secrets }) };
        installations.push(installation);
        const key = String(installation.config[route.installationKeyField]);
        const same = byKey.get(key);
        if (same) same.push(installation);
        else byKey.set(key, [installation]);
      } catch (error) {
        brokenKeys.add(String(record.config[route.installationKeyField]));
        this.options.logger.warn(
          { installationId: record.id, channelType: factory.type, err: error },
          'installation of an app-level route cannot be used; see doctor',
        );
      }
    }
    return { installations, byKey, brokenKeys };
  }
}
