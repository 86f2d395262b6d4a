import type { Channel, IdentityKey, Source } from '@switchboard/core';
import { IdentityConflictError, type InstallationRecord, type Stores } from '@switchboard/db';
import type { NamespaceBook } from '../identity/namespaces.js';

/**
 * On channels whose sender ids anyone can type (`Channel.provenIdentitiesOnly`), an identity an
 * admin linked (a phone) is proven by its owner writing from it while bound to them: the binding
 * came from a link sent to that very chat and redeemed by the member, signed in. The sender's
 * identities the bound member holds only as an admin's assertion become their own (`self`,
 * hub-wide), so every installation recognises them from now on.
 *
 * Invariant: only identities already linked to the bound member are promoted; a message never
 * links anything new, and an identity someone else proved stays theirs.
 */
export async function proveBoundSenderIdentities(
  stores: Pick<Stores, 'identities'>,
  namespaces: NamespaceBook,
  installation: InstallationRecord,
  channel: Channel,
  source: Source,
  userId: string,
): Promise<IdentityKey[]> {
  if (!channel.provenIdentitiesOnly || !channel.senderIdentities) return [];
  const keys: IdentityKey[] = [];
  for (const key of channel.senderIdentities(source)) {
    const normalized = namespaces.normalize(key.namespace, key.identifier);
    if (normalized.ok) keys.push({ namespace: key.namespace, identifier: normalized.identifier });
  }
  if (keys.length === 0) return [];
  const held = await stores.identities.listForUser(userId, { workspaceId: installation.workspaceId });
  const holds = (key: IdentityKey, proven: boolean) =>
    held.some(
      (i) =>
        i.namespace === key.namespace &&
        i.identifier === key.identifier &&
        i.status === 'active' &&
        (i.source === 'admin') !== proven,
    );
  const toProve = keys.filter((key) => holds(key, false) && !holds(key, true));
  if (toProve.length === 0) return [];
  try {
    await stores.identities.linkMany(toProve.map((key) => ({ ...key, userId, source: 'self' as const })));
  } catch (error) {
    // Somebody else proved it first: theirs stands, and this message is still the member's.
    if (error instanceof IdentityConflictError) return [];
    throw error;
  }
  return toProve;
}
