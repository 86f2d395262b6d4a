/**
 * The closed set of problems the health monitor reports. Codes are stable (scripts branch on
 * them); sentences and hints are for people and name the platform only through its plugin's
 * display name.
 */
export const PROBLEM_CODES = [
  'stale_connection',
  'token_revoked',
  'signature_failures',
  'restart_budget_exhausted',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export const PROBLEM_HINTS: Readonly<Record<ProblemCode, string>> = {
  stale_connection:
    'park and unpark the installation to reconnect it; if it keeps going stale, check the network path from the hub to the platform (proxies often drop idle WebSockets)',
  token_revoked:
    "create a new token or secret in the platform's app settings and save it on this installation (console Settings, or `switchboard installation update <id> --set <key>=...`)",
  signature_failures:
    "the signing secret stored here does not match the platform's: copy it again from the platform's app settings and save it on this installation",
  restart_budget_exhausted:
    'fix the cause named in the last error, then save the settings or park and unpark the installation: the hub starts reconnecting again',
};
