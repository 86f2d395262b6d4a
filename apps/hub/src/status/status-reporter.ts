import type { Logger } from '@switchboard/core';
import type { InstallationStatusPatch, InstallationStatusStore } from '@switchboard/db';
import type { ConnectionStatus } from '../supervisor/index.js';
import { fixHintFor } from './fix-hints.js';
import type { StatusMetrics } from './status-metrics.js';

export interface StatusReporterOptions {
  store: InstallationStatusStore;
  /** This replica's id (the supervisor's owner id): written as `reported_by`. */
  replicaId: string;
  logger: Logger;
  /** The supervisor's view of this replica's long connections; none when it holds none. */
  connections?: () => ConnectionStatus[];
  metrics?: StatusMetrics;
  /** At most one write per installation per interval (default 1_000 ms). */
  intervalMs?: number;
}

interface Activity {
  lastInboundAt?: Date;
  lastOutboundAt?: Date;
  lastError?: { message: string; hint: string; at: Date };
}

/**
 * Writes each installation's runtime status to the database at a bounded rate, so any replica
 * (and the console) reads the same view. Reports are coalesced: traffic marks an installation
 * dirty, and every interval one write per dirty installation carries the latest of everything.
 *
 * Only the replica holding a connection's lease reports its connection (or any replica while
 * nobody holds it): a replica that merely sees another's lease must not overwrite "connected"
 * with its own "parked".
 */
export class StatusReporter {
  readonly #options: StatusReporterOptions;
  readonly #activity = new Map<string, Activity>();
  /** The connection fields last written per installation, to write only what changed. */
  readonly #written = new Map<string, string>();
  /** Cumulative slot counters seen per installation, to turn them into increments. */
  readonly #counters = new Map<string, { reconnects: number; leaseLosses: number }>();
  #timer?: NodeJS.Timeout;
  #flushing?: Promise<void>;

  constructor(options: StatusReporterOptions) {
    this.#options = options;
  }

  inbound(installationId: string, at = new Date()): void {
    this.#note(installationId, 'lastInboundAt', at);
  }

  outbound(installationId: string, at = new Date()): void {
    this.#note(installationId, 'lastOutboundAt', at);
  }

  /** A send the platform refused for the credentials: the status shows it with a fix hint. */
  credentialsRefused(installationId: string, message: string, at = new Date()): void {
    const entry = this.#activity.get(installationId) ?? {};
    entry.lastError = { message, hint: fixHintFor(message), at };
    this.#activity.set(installationId, entry);
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), this.#options.intervalMs ?? 1_000);
    this.#timer.unref();
  }

  /** Writes what changed since the last flush; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #note(installationId: string, field: 'lastInboundAt' | 'lastOutboundAt', at: Date): void {
    const entry = this.#activity.get(installationId) ?? {};
    const previous = entry[field];
    if (!previous || previous < at) entry[field] = at;
    this.#activity.set(installationId, entry);
  }

  async #flush(): Promise<void> {
    const patches = new Map<string, InstallationStatusPatch>();
    for (const status of this.#options.connections?.() ?? []) {
      const patch = this.#connectionPatch(status);
      if (patch) patches.set(status.installationId, patch);
    }
    for (const [installationId, activity] of this.#activity) {
      patches.set(installationId, { ...patches.get(installationId), ...activity });
    }
    this.#activity.clear();
    await Promise.all(
      [...patches].map(async ([installationId, patch]) => {
        try {
          const written = await this.#options.store.write(installationId, this.#options.replicaId, patch);
          if (!written) this.#written.delete(installationId);
        } catch (error) {
          // Status is advisory: a failed write is retried with the next change, never fatal.
          this.#written.delete(installationId);
          this.#options.logger.warn({ installationId, err: (error as Error).message }, 'status write failed');
        }
      }),
    );
  }

  #connectionPatch(status: ConnectionStatus): InstallationStatusPatch | undefined {
    const { installationId } = status;
    const seen = this.#counters.get(installationId) ?? { reconnects: 0, leaseLosses: 0 };
    // A slot that was retired and created again starts counting from zero.
    const reconnects =
      status.reconnects >= seen.reconnects ? status.reconnects - seen.reconnects : status.reconnects;
    const leaseLosses =
      status.leaseLosses >= seen.leaseLosses ? status.leaseLosses - seen.leaseLosses : status.leaseLosses;
    this.#counters.set(installationId, { reconnects: status.reconnects, leaseLosses: status.leaseLosses });
    if (reconnects > 0) this.#options.metrics?.reconnects.inc(reconnects);
    if (leaseLosses > 0) this.#options.metrics?.leaseLosses.inc(leaseLosses);

    const holder = status.leaseOwner;
    if (holder !== null && holder !== this.#options.replicaId) {
      // Another replica reports it now; if this one holds it again later, it writes afresh.
      this.#written.delete(installationId);
      return undefined;
    }
    const fields = {
      state: status.state,
      leaseHolder: holder,
      lastError: status.lastError ?? null,
      lastErrorAt: status.lastErrorAt ?? null,
    };
    const fingerprint = JSON.stringify(fields);
    if (this.#written.get(installationId) === fingerprint && reconnects === 0) return undefined;
    this.#written.set(installationId, fingerprint);
    return {
      state: fields.state,
      leaseHolder: fields.leaseHolder,
      ...(status.lastError && status.lastErrorAt
        ? {
            lastError: {
              message: status.lastError,
              hint: fixHintFor(status.lastError),
              at: new Date(status.lastErrorAt),
            },
          }
        : {}),
      ...(reconnects > 0 ? { reconnects } : {}),
    };
  }
}
