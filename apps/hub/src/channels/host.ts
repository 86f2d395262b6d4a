import {
  Capability,
  type Channel,
  type EgressLookup,
  has,
  type InboundEvent,
  isNotFound,
  type Logger,
  type Provisioner,
  type Registry,
  validateConfig,
} from '@switchboard/core';
import type { InstallationRecord, InstallationStore } from '@switchboard/db';
import { provisionerForInstallation } from './scoped-provisioner.js';

/** An installation with the running channel the hub uses for it. */
export interface HostedInstallation {
  record: InstallationRecord;
  channel: Channel;
}

export type InstallationLookup =
  | { status: 'active'; installation: HostedInstallation }
  | { status: 'revoked'; record: InstallationRecord }
  | { status: 'unknown' }
  /** The stored config no longer validates or the channel type is not registered. */
  | { status: 'broken'; record: InstallationRecord; error: Error };

export interface ChannelHostOptions {
  installations: InstallationStore;
  registry: Registry;
  logger: Logger;
  /** Where a webhook channel's `ctx.emit` goes (long connections are the supervisor's). */
  emit(installation: InstallationRecord, event: InboundEvent): Promise<void>;
  /** How long a looked-up installation is reused before the database is asked again. */
  cacheTtlMs?: number;
  fetch?: typeof globalThis.fetch;
  /** The egress-checked name lookup, for adapters whose SDK opens its own sockets. */
  lookup?: EgressLookup;
  /** Handed to channels as `ctx.provisioner`, scoped to each installation's workspace. */
  provisioner?: Provisioner;
}

interface CacheEntry {
  expiresAt: number;
  lookup: Promise<InstallationLookup>;
}

/**
 * Turns installation ids into channel instances, cached briefly so ingress does not read the
 * database for every event. Admin writes in this process invalidate at once; other replicas see
 * a change within the cache TTL. A channel whose installation changed is disconnected and rebuilt.
 */
export class ChannelHost {
  readonly #options: ChannelHostOptions;
  readonly #cache = new Map<string, CacheEntry>();
  /** Channels by installation id, kept while their `updatedAt` is unchanged. */
  readonly #channels = new Map<string, { updatedAt: number; channel: Channel; abort: AbortController }>();

  constructor(options: ChannelHostOptions) {
    this.#options = options;
  }

  lookup(installationId: string): Promise<InstallationLookup> {
    const now = Date.now();
    const cached = this.#cache.get(installationId);
    if (cached && cached.expiresAt > now) return cached.lookup;
    const lookup = this.#load(installationId);
    this.#cache.set(installationId, { expiresAt: now + (this.#options.cacheTtlMs ?? 5_000), lookup });
    // A failed read (database down) must not be cached as an answer.
    lookup.catch(() => this.#cache.delete(installationId));
    return lookup;
  }

  /** Forgets what is cached for the installation (called after admin writes). */
  invalidate(installationId: string): void {
    this.#cache.delete(installationId);
  }

  async close(): Promise<void> {
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    this.#cache.clear();
    await Promise.allSettled(channels.map((entry) => this.#stop(entry)));
  }

  async #load(installationId: string): Promise<InstallationLookup> {
    let stored: Awaited<ReturnType<InstallationStore['getWithSecrets']>>;
    try {
      stored = await this.#options.installations.getWithSecrets(installationId);
    } catch (error) {
      if (isNotFound(error)) return { status: 'unknown' };
      throw error;
    }
    const { secrets, ...record } = stored;
    if (record.status !== 'active') {
      await this.#drop(installationId);
      return { status: 'revoked', record };
    }
    const current = this.#channels.get(installationId);
    if (current && current.updatedAt === record.updatedAt.getTime()) {
      return { status: 'active', installation: { record, channel: current.channel } };
    }
    await this.#drop(installationId);
    try {
      const factory = this.#options.registry.get(record.channelType);
      const config = validateConfig(factory, { ...record.config, ...secrets });
      const channel = factory.create(config, {
        installationId,
        logger: this.#options.logger,
        ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
        ...(this.#options.lookup ? { lookup: this.#options.lookup } : {}),
      });
      const abort = new AbortController();
      // Long connections are held by the supervisor under a lease; here only webhook channels start.
      if (!has(channel.capabilities(), Capability.LongConnection)) {
        await channel.connect({
          installationId,
          workspaceId: record.workspaceId,
          logger: this.#options.logger.child({ installationId }),
          signal: abort.signal,
          emit: (event) => this.#options.emit(record, event),
          ...(this.#options.provisioner
            ? {
                provisioner: provisionerForInstallation(this.#options.provisioner, {
                  installationId,
                  workspaceId: record.workspaceId,
                  channelType: record.channelType,
                }),
              }
            : {}),
        });
      }
      this.#channels.set(installationId, { updatedAt: record.updatedAt.getTime(), channel, abort });
      return { status: 'active', installation: { record, channel } };
    } catch (error) {
      this.#options.logger.warn(
        { installationId, channelType: record.channelType, err: error },
        'installation cannot be started',
      );
      return { status: 'broken', record, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  async #drop(installationId: string): Promise<void> {
    const entry = this.#channels.get(installationId);
    if (!entry) return;
    this.#channels.delete(installationId);
    await this.#stop(entry);
  }

  async #stop(entry: { channel: Channel; abort: AbortController }): Promise<void> {
    entry.abort.abort();
    try {
      await entry.channel.disconnect();
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'channel disconnect failed');
    }
  }
}
