import type { AuditEntry, AuditReason } from '@switchboard/db';

/** What processing decided for one inbox row: finished with one audit row, or tried again later. */
export type Settlement =
  | { kind: 'done'; audit: Omit<AuditEntry, 'installationId' | 'workspaceId' | 'channelType'> }
  /**
   * `auditEachAttempt`: the failure is worth an audit row every time, not only when it is final.
   * `budgetMs`: retried for this long since the event arrived (an agent failure); otherwise for
   * `maxAttempts` attempts (the hub's own failure, e.g. an event that throws). `waitMs`: the next
   * attempt is due after this long instead of after the backoff (an open circuit).
   */
  | {
      kind: 'retry';
      error: string;
      deadReason: AuditReason;
      auditEachAttempt?: boolean;
      budgetMs?: number;
      waitMs?: number;
    };

/** An agent delivery that failed: retried for the agent's budget, or after its circuit's wait. */
export function deliveryRetry(
  delivered: { error: string; retryBudgetMs: number | null; circuitWaitMs?: number },
  defaultBudgetMs: number,
): Settlement {
  return {
    kind: 'retry',
    error: delivered.error,
    deadReason: 'delivery_failed',
    budgetMs: delivered.retryBudgetMs ?? defaultBudgetMs,
    ...(delivered.circuitWaitMs !== undefined ? { waitMs: delivered.circuitWaitMs } : {}),
  };
}

export function errorSummary(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
