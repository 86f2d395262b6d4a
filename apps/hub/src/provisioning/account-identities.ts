import type { IdentityKey, Logger, ProvisionedAccount } from '@switchboard/core';
import type { Stores } from '@switchboard/db';
import type { NamespaceBook } from '../identity/namespaces.js';

/**
 * Links the identities a provisioner reported for an account that is now active to the member,
 * as `provisioned` (the platform verified them; the request came from the workspace's own
 * installation). Unknown namespaces and malformed ids are skipped; an identity another user holds
 * is reported, not taken. Returns what went wrong, if anything.
 */
export async function linkAccountIdentities(options: {
  stores: Pick<Stores, 'identities'>;
  namespaces: NamespaceBook;
  logger: Logger;
  userId: string;
  account: ProvisionedAccount;
}): Promise<string | undefined> {
  const keys: IdentityKey[] = [];
  for (const key of options.account.identities ?? []) {
    const normalized = options.namespaces.normalize(key.namespace, key.identifier);
    if (normalized.ok) keys.push({ namespace: key.namespace, identifier: normalized.identifier });
    else
      options.logger.warn(
        { namespace: key.namespace, reason: normalized.reason },
        'account identity skipped',
      );
  }
  if (keys.length === 0) return undefined;
  try {
    await options.stores.identities.linkMany(
      keys.map((key) => ({ ...key, userId: options.userId, source: 'provisioned' as const })),
    );
    return undefined;
  } catch (error) {
    options.logger.warn({ userId: options.userId, err: error }, 'linking account identities failed');
    return `identities: ${(error as Error).message}`;
  }
}
