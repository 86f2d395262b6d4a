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
  /** The window webhook signature failures are counted in (default 10 minutes). */
  signatureWindowMs?: number;
}

interface Activity {
  lastInboundAt?: Date;
  lastOutboundAt?: Date;
  lastError?: { message: string; hint: string; at: Date };
  /** The latest word on the credentials: refused (with why), or accepted (null). */
  credentials?: { refused: { message: string; at: Date } | null; at: Date };
}

export const DEFAULT_SIGNATURE_WINDOW_MS = 10 * 60_000;

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
  /** Webhook signature failures not yet added to the database, per installation. */
  readonly #signatureFailures = new Map<string, number>();
  #timer?: NodeJS.Timeout;
  #flushing?: Promise<void>;

  constructor(options: StatusReporterOptions) {
    this.#options = options;
  }

  inbound(installationId: string, at = new Date()): void {
    this.#note(installationId, 'lastInboundAt', at);
  }

  /** A message the platform accepted: its credentials work, so an earlier refusal is over. */
  outbound(installationId: string, at = new Date()): void {
    this.#note(installationId, 'lastOutboundAt', at);
    this.credentialsAccepted(installationId, at);
  }

  /** A call the platform refused for the credentials: the status shows it with a fix hint. */
  credentialsRefused(installationId: string, message: string, at = new Date()): void {
    const entry = this.#activity.get(installationId) ?? {};
    entry.lastError = { message, hint: fixHintFor(message), at };
    if (!entry.credentials || entry.credentials.at <= at)
      entry.credentials = { refused: { message, at }, at };
    this.#activity.set(installationId, entry);
  }

  /** A call the platform accepted with the installation's credentials. */
  credentialsAccepted(installationId: string, at = new Date()): void {
    const entry = this.#activity.get(installationId) ?? {};
    if (!entry.credentials || entry.credentials.at <= at) entry.credentials = { refused: null, at };
    this.#activity.set(installationId, entry);
  }

  /** A webhook for this installation failed its signature check (counted, written at the interval). */
  signatureFailed(installationId: string): void {
    this.#signatureFailures.set(installationId, (this.#signatureFailures.get(installationId) ?? 0) + 1);
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
    for (const [installationId, { credentials, ...activity }] of this.#activity) {
      patches.set(installationId, {
        ...patches.get(installationId),
        ...activity,
        ...(credentials ? { credentialsRefused: credentials.refused } : {}),
      });
    }
    this.#activity.clear();
    const signatureFailures = [...this.#signatureFailures];
    this.#signatureFailures.clear();
    const windowMs = this.#options.signatureWindowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
    await Promise.all([
      ...signatureFailures.map(async ([installationId, count]) => {
        try {
          await this.#options.store.addSignatureFailures(
            installationId,
            this.#options.replicaId,
            count,
            windowMs,
          );
        } catch (error) {
          // Advisory like the rest: these failures are not counted; the next ones are.
          this.#options.logger.warn(
            { installationId, err: (error as Error).message },
            'signature failure count write failed',
          );
        }
      }),
      this.#writePatches(patches),
    ]);
  }

  /** Every dirty installation in one statement (see `InstallationStatusStore.writeMany`). */
  async #writePatches(patches: Map<string, InstallationStatusPatch>): Promise<void> {
    let outcome: Awaited<ReturnType<InstallationStatusStore['writeMany']>>;
    try {
      outcome = await this.#options.store.writeMany(this.#options.replicaId, patches);
    } catch (error) {
      // Status is advisory: a failed write is retried with the next change, never fatal.
      for (const installationId of patches.keys()) this.#written.delete(installationId);
      this.#options.logger.warn({ err: (error as Error).message }, 'status write failed');
      return;
    }
    for (const installationId of outcome.gone) this.#written.delete(installationId);
    for (const { installationId, error } of outcome.failed) {
      this.#written.delete(installationId);
      this.#options.logger.warn({ installationId, err: error.message }, 'status write failed');
    }
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
      credentialsRefused: status.credentialsRefused === true,
      staleSince: status.staleSince ?? null,
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
      staleSince: status.staleSince ? new Date(status.staleSince) : null,
      // A refused connect is reported; a connect that succeeded proves the credentials again.
      ...(status.credentialsRefused && status.lastError
        ? {
            credentialsRefused: {
              message: status.lastError,
              at: new Date(status.lastErrorAt ?? Date.now()),
            },
          }
        : status.state === 'connected'
          ? { credentialsRefused: null }
          : {}),
    };
  }
}
