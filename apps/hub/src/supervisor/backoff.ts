export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };

/**
 * Delay before reconnect attempt `attempt` (0-based): uniform in [0, min(max, base·2^attempt)).
 * Full jitter, so a fleet of installations dropped by one platform outage does not reconnect in
 * lock-step and hammer the platform again.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  // Capping the exponent keeps 2 ** attempt finite for installations that fail for days.
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
