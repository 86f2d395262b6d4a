/** The statuses an adapter may ask for when it refuses a request; each is in the route docs. */
const REFUSAL_STATUSES = new Set([401, 403]);

/**
 * The HTTP status for a failed `verify`: the adapter's choice when it is one the hub documents
 * (a platform may retry or give up depending on it), else 401.
 */
export function refusalStatus(requested: number | undefined): number {
  return requested !== undefined && REFUSAL_STATUSES.has(requested) ? requested : 401;
}
