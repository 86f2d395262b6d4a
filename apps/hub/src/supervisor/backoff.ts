import type { BackoffPolicy } from '../retry/backoff.js';

export { type BackoffPolicy, fullJitterDelay as backoffDelay } from '../retry/backoff.js';

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };
