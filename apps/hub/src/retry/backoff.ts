export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** `min(maxMs, baseMs · 2^exponent)`; the exponent is capped so it stays finite for days of failures. */
function ceiling(exponent: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(exponent, 0), 30));
}

/**
 * Delay before reconnect attempt `attempt` (0-based): uniform in [0, ceiling). Full jitter, so a
 * fleet of connections dropped by one platform outage does not reconnect in lock-step.
 */
export function fullJitterDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * ceiling(attempt, policy));
}

/**
 * Delay before retry number `attempt` (1 = the first retry): half fixed, half random ("equal
 * jitter"), so a burst of failures does not retry in lockstep while the delay still grows.
 */
export function equalJitterDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponential = ceiling(attempt - 1, policy);
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
