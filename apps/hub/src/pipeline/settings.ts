import type { RetentionPolicy } from '@switchboard/db';
import { DEFAULT_RETENTION } from '../jobs/retention.js';
import type { BackoffPolicy } from '../retry/backoff.js';

/** Tunables of the pipeline; every field has a production default (see `defaultPipelineSettings`). */
export interface PipelineSettings {
  /** Base of binding links sent to chat users (`?token=` is appended). */
  linkBaseUrl: string;
  workerConcurrency: number;
  idlePollMs: number;
  /**
   * The claim lease: workers renew it every third of this while they work on a row; a claim not
   * renewed for this long (dead worker, or a claim whose commit answer was lost) is taken over.
   */
  staleClaimMs: number;
  delivery: {
    timeoutMs: number;
    /** Attempts for failures of the hub's own processing (an event that throws); then dead letter. */
    maxAttempts: number;
    /** How long a failing agent is retried before the event is dead-lettered; agents may override. */
    retryBudgetMs: number;
    /** Capped exponential backoff with full jitter between retries. */
    backoff: BackoffPolicy;
    circuit: { failureThreshold: number; probeIntervalMs: number };
  };
  outbound: { timeoutMs: number; maxAttempts: number; backoff: BackoffPolicy };
  retention: RetentionPolicy;
  retentionIntervalMs: number;
}

export function defaultPipelineSettings(publicUrl: string): PipelineSettings {
  return {
    linkBaseUrl: `${publicUrl.replace(/\/$/, '')}/link`,
    workerConcurrency: 32,
    idlePollMs: 250,
    staleClaimMs: 10_000,
    delivery: {
      timeoutMs: 10_000,
      maxAttempts: 8,
      retryBudgetMs: 24 * 3_600_000,
      backoff: { baseMs: 1_000, maxMs: 5 * 60_000 },
      circuit: { failureThreshold: 5, probeIntervalMs: 30_000 },
    },
    outbound: { timeoutMs: 15_000, maxAttempts: 8, backoff: { baseMs: 1_000, maxMs: 5 * 60_000 } },
    retention: DEFAULT_RETENTION,
    retentionIntervalMs: 10 * 60_000,
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type PipelineSettingsOverrides = DeepPartial<PipelineSettings>;

export function mergeSettings(
  base: PipelineSettings,
  overrides: PipelineSettingsOverrides = {},
): PipelineSettings {
  return {
    ...base,
    ...stripUndefined(overrides),
    delivery: {
      ...base.delivery,
      ...stripUndefined(overrides.delivery ?? {}),
      backoff: { ...base.delivery.backoff, ...stripUndefined(overrides.delivery?.backoff ?? {}) },
      circuit: { ...base.delivery.circuit, ...stripUndefined(overrides.delivery?.circuit ?? {}) },
    },
    outbound: {
      ...base.outbound,
      ...stripUndefined(overrides.outbound ?? {}),
      backoff: { ...base.outbound.backoff, ...stripUndefined(overrides.outbound?.backoff ?? {}) },
    },
    retention: { ...base.retention, ...stripUndefined(overrides.retention ?? {}) },
  } as PipelineSettings;
}

/** The entries whose value is defined (so a spread does not overwrite a default with undefined). */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
