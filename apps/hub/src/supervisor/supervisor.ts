// The scan loop: every `scanEveryMs`, compare the database's active long-connection installations
// with the slots this replica has, create slots for new ones, reconcile the rest, and retire the
// slots of installations that were revoked or deleted.
import { Capability, type ChannelFactory, has, type Logger, NotFoundError } from '@switchboard/core';
import type { InstallationWithSecrets } from '@switchboard/db';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { type ChannelTransport, describeInstallation } from './channel-spec.js';
import { InstallationSlot, type SlotEnvironment } from './installation-slot.js';
import { type InventoryRow, loadConfigs, loadInventory } from './inventory.js';
import type { ConnectionStatus } from './status.js';

export interface SupervisorLoopOptions {
  runtime: HubRuntime;
  logger: Logger;
  scanEveryMs: number;
  slot: Omit<SlotEnvironment, 'db' | 'logger'>;
  transport?: ChannelTransport;
}

export class SupervisorLoop {
  readonly #runtime: HubRuntime;
  readonly #logger: Logger;
  readonly #scanEveryMs: number;
  readonly #slotEnv: SlotEnvironment;
  readonly #transport: ChannelTransport;
  readonly #slots = new Map<string, InstallationSlot>();
  /** Last answer to "is this a long-connection channel?" per installation, keyed by fingerprint. */
  readonly #probes = new Map<string, { fingerprint: string; longConnection: boolean }>();
  /**
   * Installations last seen as webhook-only, with the `updatedAt` they had: unchanged, they are
   * skipped without loading (a scan every two seconds that decrypted 10,000 webhook
   * installations took the event loop from ingress).
   */
  readonly #webhookOnly = new Map<string, number>();
  /** Warnings already logged (`kind:installationId:…`), so a standing problem is reported once. */
  readonly #warned = new Set<string>();
  #timer?: NodeJS.Timeout;
  #scanning?: Promise<void>;
  #stopped = false;
  #stopping?: Promise<void>;

  constructor(options: SupervisorLoopOptions) {
    this.#runtime = options.runtime;
    this.#logger = options.logger;
    this.#scanEveryMs = options.scanEveryMs;
    this.#transport = options.transport ?? {};
    this.#slotEnv = { ...options.slot, db: options.runtime.database.prisma, logger: options.logger };
  }

  start(): void {
    this.#tick();
  }

  status(installationId: string): ConnectionStatus | undefined {
    return this.#slots.get(installationId)?.status();
  }

  statuses(): ConnectionStatus[] {
    return [...this.#slots.values()].map((slot) => slot.status());
  }

  stop(options: { release: boolean }): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#scanning;
      await Promise.all([...this.#slots.values()].map((slot) => slot.retire(options)));
    })();
    return this.#stopping;
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#scanning = this.#scan()
      .catch((error: unknown) => {
        // A failed scan changes nothing: running connections stay under their leases' protection.
        this.#logger.warn({ err: (error as Error).message }, 'supervisor scan failed; retrying');
      })
      .finally(() => {
        this.#scanning = undefined;
        if (!this.#stopped) this.#timer = setTimeout(() => this.#tick(), this.#scanEveryMs);
      });
  }

  async #scan(): Promise<void> {
    const rows = await loadInventory(this.#runtime.database.prisma);
    if (this.#stopped) return;
    await this.#skipWebhookOnly(rows);
    if (this.#stopped) return;
    const live = new Set<string>();
    await Promise.all(rows.map((row) => this.#reconcileRow(row, live)));
    // Stopping skips rows mid-scan, so `live` is incomplete: retiring from it would release leases
    // that `stop({ release: false })` must leave alone.
    if (this.#stopped) return;
    const gone = [...this.#slots].filter(([id]) => !live.has(id));
    for (const [id] of gone) this.#slots.delete(id);
    const present = new Set(rows.map((row) => row.id));
    for (const id of this.#probes.keys()) if (!present.has(id)) this.#probes.delete(id);
    for (const id of this.#webhookOnly.keys()) if (!present.has(id)) this.#webhookOnly.delete(id);
    for (const key of this.#warned) if (!present.has(key.split(':')[1] ?? '')) this.#warned.delete(key);
    await Promise.all(
      gone.map(([id, slot]) => {
        this.#logger.info({ installationId: id }, 'installation revoked or deleted; disconnecting');
        return slot.retire({ release: true });
      }),
    );
  }

  /**
   * Installations not seen before whose type can answer from the stored config (or can never hold
   * a long connection) are marked webhook-only from one query, without decrypting or building a
   * channel each: at startup with 10,000 webhook installations that was most of the first scan.
   */
  async #skipWebhookOnly(rows: InventoryRow[]): Promise<void> {
    const registry = this.#runtime.registry;
    const unseen = rows.filter(
      (row) =>
        !this.#slots.has(row.id) &&
        this.#webhookOnly.get(row.id) !== row.updatedAt &&
        registry.has(row.channelType),
    );
    const byConfig: InventoryRow[] = [];
    for (const row of unseen) {
      const factory = registry.get(row.channelType);
      if (neverHoldsLongConnection(factory)) this.#webhookOnly.set(row.id, row.updatedAt);
      else if (factory.holdsLongConnection) byConfig.push(row);
    }
    if (byConfig.length === 0) return;
    let configs: Map<string, Record<string, unknown>>;
    try {
      configs = await loadConfigs(
        this.#runtime.database.prisma,
        byConfig.map((row) => row.id),
      );
    } catch (error) {
      // The rows are then looked at one by one, as before.
      this.#logger.warn({ err: (error as Error).message }, 'could not read installation configs');
      return;
    }
    for (const row of byConfig) {
      const config = configs.get(row.id);
      const holds = registry.get(row.channelType).holdsLongConnection;
      if (config && holds && !holds(config)) this.#webhookOnly.set(row.id, row.updatedAt);
    }
  }

  async #reconcileRow(row: InventoryRow, live: Set<string>): Promise<void> {
    const registry = this.#runtime.registry;
    if (!registry.has(row.channelType)) {
      this.#warnOnce(
        `type:${row.id}`,
        { installationId: row.id, channelType: row.channelType },
        'installation has an unknown channel type; skipped',
      );
      return;
    }
    const existing = this.#slots.get(row.id);
    if (!existing && this.#webhookOnly.get(row.id) === row.updatedAt) return;
    this.#webhookOnly.delete(row.id);
    let installation: InstallationWithSecrets;
    try {
      installation = await this.#runtime.stores.installations.getWithSecrets(row.id);
    } catch (error) {
      if (error instanceof NotFoundError) return;
      // Keep whatever is running: a transient read failure is no reason to drop a connection.
      if (existing) live.add(row.id);
      existing?.noteError(error as Error);
      this.#warnOnce(
        `load:${row.id}:${(error as Error).message}`,
        { installationId: row.id, err: (error as Error).message },
        'could not load installation',
      );
      return;
    }
    if (this.#stopped) return;
    const described = describeInstallation(
      registry.get(row.channelType),
      installation,
      this.#logger,
      this.#probes.get(row.id),
      this.#transport,
    );
    if (described.kind !== 'invalid') {
      this.#probes.set(row.id, {
        fingerprint:
          described.kind === 'long-connection' ? described.spec.fingerprint : described.fingerprint,
        longConnection: described.kind === 'long-connection',
      });
    }
    if (described.kind === 'not-long-connection') {
      if (!existing) this.#webhookOnly.set(row.id, row.updatedAt);
      return;
    }
    // An invalid config cannot be probed; report it unless it was known not to be ours.
    if (described.kind === 'invalid' && !existing && this.#probes.get(row.id)?.longConnection === false)
      return;
    live.add(row.id);
    let slot = existing;
    if (!slot) {
      slot = new InstallationSlot(row.id, this.#slotEnv);
      this.#slots.set(row.id, slot);
    }
    if (described.kind === 'invalid') {
      this.#warnOnce(
        `invalid:${row.id}:${described.fingerprint}`,
        { installationId: row.id, err: described.error.message },
        'installation config is invalid; not connecting',
      );
      await slot.reconcile(row, { error: described.error });
      return;
    }
    await slot.reconcile(row, { spec: described.spec });
  }

  #warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#logger.warn(fields, message);
  }
}

/** A type whose declared capabilities (the union over its configs) lack a long connection. */
function neverHoldsLongConnection(factory: ChannelFactory): boolean {
  return factory.capabilities !== undefined && !has(factory.capabilities, Capability.LongConnection);
}
