import type { Logger, Registry } from '@switchboard/core';
import type { InstallationStatusStore, StoredProblem } from '@switchboard/db';
import { DEFAULT_SIGNATURE_WINDOW_MS } from '../status/status-reporter.js';
import { type DetectionRules, detectProblems } from './detect.js';

/** Used for channel types that declare no heartbeat: a few lease renewals' worth. */
export const DEFAULT_HEARTBEAT_MS = 90_000;

export interface HealthMonitorOptions {
  store: InstallationStatusStore;
  registry: Registry;
  logger: Logger;
  /** How often a pass runs (default 10_000 ms). */
  intervalMs?: number;
  signatureThreshold?: number;
  signatureWindowMs?: number;
}

/**
 * The background check of every installation: one read of every status row, the problems each
 * has now, and one write of the rows whose problems changed. Two passes over the same rows write
 * the same thing, so replicas running it side by side agree without a lease; the cost is two
 * statements per pass whatever the number of installations.
 */
export class HealthMonitor {
  readonly #options: HealthMonitorOptions;
  #timer?: NodeJS.Timeout;
  #running?: Promise<number>;

  constructor(options: HealthMonitorOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.pass().catch((error: unknown) => {
        // Advisory: the next pass tries again; nothing here may take the process down.
        this.#options.logger.warn({ err: (error as Error).message }, 'health check pass failed');
      });
    }, this.#options.intervalMs ?? 10_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One pass; concurrent calls share it. Resolves to the number of rows whose problems changed. */
  pass(): Promise<number> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<number> {
    const { store } = this.#options;
    const { now, rows } = await store.healthRows();
    const changes: Array<{ installationId: string; problems: StoredProblem[] }> = [];
    for (const row of rows) {
      const problems = detectProblems(row, now, this.#rules(row.channelType));
      if (!sameProblems(row.problems, problems))
        changes.push({ installationId: row.installationId, problems });
    }
    if (changes.length > 0) await store.writeProblems(changes);
    return changes.length;
  }

  #rules(channelType: string): DetectionRules {
    const { registry } = this.#options;
    const factory = registry.has(channelType) ? registry.get(channelType) : undefined;
    const provisioner = factory ? undefined : registry.provisioner(channelType);
    return {
      displayName: factory?.displayName ?? provisioner?.displayName ?? channelType,
      heartbeatMs: factory?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      signatureThreshold: this.#options.signatureThreshold ?? 5,
      signatureWindowMs: this.#options.signatureWindowMs ?? DEFAULT_SIGNATURE_WINDOW_MS,
    };
  }
}

// Field by field: JSONB hands keys back in its own order.
function sameProblems(a: readonly StoredProblem[], b: readonly StoredProblem[]): boolean {
  const key = (list: readonly StoredProblem[]) =>
    JSON.stringify(list.map((p) => [p.code, p.message, p.hint, p.since]));
  return key(a) === key(b);
}
