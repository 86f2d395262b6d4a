import type { EgressPolicy } from '../egress/index.js';
import { badRequest } from '../http/errors.js';

type JsonObject = Record<string, unknown>;

/** Config keys that say where the hub connects to (api_base_url, a region host, an endpoint). */
const HOST_KEY = /(^|_)(url|host|hostname|endpoint|domain|base)$/i;

export function hostKeys(config: JsonObject): string[] {
  return Object.keys(config).filter((key) => HOST_KEY.test(key));
}

/**
 * Secrets never follow a new host: a patch that changes where the installation connects must
 * carry every secret of the installation, so whoever redirects it proves they hold them already
 * (otherwise the stored bot token would be sent to the new host).
 */
export function assertSecretsFollowHost(
  stored: { config: JsonObject; secrets: JsonObject },
  patch: JsonObject,
): void {
  const changed = hostKeys(patch).filter((key) => !sameValue(stored.config[key], patch[key]));
  if (changed.length === 0) return;
  const missing = Object.keys(stored.secrets)
    .filter((key) => patch[key] === undefined)
    .sort();
  if (missing.length === 0) return;
  throw badRequest(
    'secrets_required',
    `changing ${changed.join(', ')} requires every secret of the installation in the same request`,
    { changed, missing },
  );
}

/** Every URL in the (validated, public) config must pass the egress policy. */
export function assertEgressAllowed(egress: EgressPolicy, config: JsonObject): void {
  for (const key of hostKeys(config)) {
    const value = config[key];
    if (typeof value !== 'string' || value === '') continue;
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
    const verdict = egress.checkUrl(url);
    if (!verdict.ok) throw badRequest('egress_refused', `${key}: ${verdict.error.message}`);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
