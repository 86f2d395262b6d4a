/**
 * What an operator can do about an installation's last error, in one sentence. Matched on the
 * error message the supervisor recorded (adapters' own messages included); ordered from the most
 * specific cause to the most general.
 */
const HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /lease could not be renewed/i,
    'renewing the connection lease failed (the database was slow or unreachable); another replica takes over within one lease TTL',
  ],
  [
    /lease lost/i,
    'another replica took the connection over, or the installation was revoked; nothing to do unless it keeps happening',
  ],
  [
    /invalid channel config|invalid_config/i,
    'the stored config no longer validates: PATCH the installation with a valid config (`switchboard doctor` names the field)',
  ],
  [
    /\b(401|403)\b|invalid_auth|not_authed|unauthori[sz]ed|forbidden|token/i,
    'the platform refused the credentials: PATCH the installation with a current token or secret',
  ],
  [
    /\b429\b|rate.?limit/i,
    'the platform is rate limiting this installation; the hub backs off and retries by itself',
  ],
  [
    /timed out|timeout|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|fetch failed|egress/i,
    'the platform is unreachable from this replica: check its network, DNS and SWITCHBOARD_EGRESS_ALLOW',
  ],
];

const FALLBACK = 'look up this installation id in the hub log for the full error';

export function fixHintFor(message: string): string {
  return HINTS.find(([pattern]) => pattern.test(message))?.[1] ?? FALLBACK;
}
