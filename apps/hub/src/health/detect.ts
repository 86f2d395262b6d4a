import type { HealthRow, StoredProblem } from '@switchboard/db';
import { PROBLEM_HINTS, type ProblemCode } from './problems.js';

export interface DetectionRules {
  /** The platform's display name (its plugin's), for sentences. */
  displayName: string;
  /** How long a connection may go unconfirmed before it counts as stale (the platform's heartbeat). */
  heartbeatMs: number;
  /** Failures in the window that make `signature_failures` (default 5). */
  signatureThreshold: number;
  /** The window signature failures are counted in (default 10 minutes). */
  signatureWindowMs: number;
}

type Found = { code: ProblemCode; message: string; since: Date };

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * What is wrong with one installation now, from its status row alone (no extra reads). A
 * problem's `since` is kept from `row.problems` while the problem lasts, so it says how long the
 * operator has had it; a problem whose condition is gone is simply absent.
 */
export function detectProblems(row: HealthRow, now: Date, rules: DetectionRules): StoredProblem[] {
  if (row.status !== 'active') return [];
  const found: Found[] = [];
  const stale = staleConnection(row, now, rules);
  if (stale) found.push(stale);
  if (row.credentialsRefusedAt && row.credentialsRefusedAt >= row.configUpdatedAt) {
    found.push({
      code: 'token_revoked',
      message: `${rules.displayName} refused this installation's credentials: the token expired or was revoked (${row.credentialsRefusedError ?? 'refused'}).`,
      since: row.credentialsRefusedAt,
    });
  }
  const failures = signatureFailures(row, now, rules);
  if (failures) found.push(failures);
  if (row.state === 'failed' && !row.parked) {
    found.push({
      code: 'restart_budget_exhausted',
      message: `The ${rules.displayName} connection failed too many times in a row and the hub stopped reconnecting it${row.lastError ? ` (last error: ${row.lastError})` : ''}.`,
      since: row.reportedAt,
    });
  }
  return found.map((problem) => ({
    code: problem.code,
    message: problem.message,
    hint: PROBLEM_HINTS[problem.code],
    since: row.problems.find((p) => p.code === problem.code)?.since ?? problem.since.toISOString(),
  }));
}

function staleConnection(row: HealthRow, now: Date, rules: DetectionRules): Found | undefined {
  if (row.state !== 'connected' || row.parked) return undefined;
  if (row.staleSince) {
    return {
      code: 'stale_connection',
      message: `The ${rules.displayName} connection has shown no sign of life (no pong, no event) for longer than its ${seconds(rules.heartbeatMs)} heartbeat.`,
      since: row.staleSince,
    };
  }
  // Reported connected, but its holder stopped renewing the lease: the holder is gone or cut off,
  // and nobody confirms the connection any more.
  const confirmedUntil = row.leaseExpiresAt ?? row.reportedAt;
  if (now.getTime() - confirmedUntil.getTime() <= rules.heartbeatMs) return undefined;
  return {
    code: 'stale_connection',
    message: `The ${rules.displayName} connection is reported connected, but ${row.leaseHolder ?? 'its holder'} has not confirmed it for longer than its ${seconds(rules.heartbeatMs)} heartbeat.`,
    since: confirmedUntil,
  };
}

function signatureFailures(row: HealthRow, now: Date, rules: DetectionRules): Found | undefined {
  const started = row.signatureWindowStartedAt;
  const last = row.lastSignatureFailureAt;
  if (!started || !last || row.signatureFailures < rules.signatureThreshold) return undefined;
  if (now.getTime() - started.getTime() > rules.signatureWindowMs) return undefined;
  // A verified event after the last failure means the platform signs with the stored secret now.
  if (row.lastInboundAt && row.lastInboundAt > last) return undefined;
  return {
    code: 'signature_failures',
    message: `${row.signatureFailures} webhooks failed their signature check within ${seconds(rules.signatureWindowMs)}: the signing secret is probably wrong.`,
    since: started,
  };
}
