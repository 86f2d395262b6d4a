import { type Channel, isNotFound, type Source } from '@switchboard/core';
import { DeactivatedError, type IdentitySource, type InstallationRecord, type Stores } from '@switchboard/db';
import type { NamespaceBook } from '../identity/namespaces.js';
import { type IdentityOutcome, resolveSender } from './identity.js';
import { proveBoundSenderIdentities } from './prove-identities.js';

/**
 * Identities that may name a sender (docs/security.md): asserted by the platform (`provisioned`),
 * by a verified email or phone (`directory_verified`), by the person (`self`), or by an admin of
 * the installation's own workspace (`admin`; the store never shows another workspace's).
 */
export const RESOLUTION_SOURCES: readonly IdentitySource[] = [
  'provisioned',
  'directory_verified',
  'self',
  'admin',
];

/** For channels whose sender ids anyone can type (`Channel.provenIdentitiesOnly`): no assertions. */
export const PROVEN_SOURCES: readonly IdentitySource[] = RESOLUTION_SOURCES.filter((s) => s !== 'admin');

export type GraphResolution =
  | { status: 'resolved'; user: { id: string; username: string }; namespace: string; identitySource: string }
  /** Nothing trusted matched; the caller goes on (auto-provisioning, a binding link). */
  | { status: 'unresolved' };

/**
 * The identity-graph step, for a sender with no binding: the identities the channel says the
 * sender's id stands for (`Channel.senderIdentities`), canonicalised by their namespace's rules,
 * are looked up among the trusted identities the workspace may see. The first whose user is an
 * active member of the workspace is bound to the sender (an existing binding is never replaced)
 * and audited `resolved` with the namespace used.
 */
export async function resolveThroughIdentities(
  stores: Pick<Stores, 'identities' | 'bindings' | 'audit'>,
  namespaces: NamespaceBook,
  installation: InstallationRecord,
  channel: Channel,
  source: Source,
  platformEventId: string,
): Promise<GraphResolution> {
  const keys = channel.senderIdentities?.(source) ?? [];
  for (const key of keys) {
    const normalized = namespaces.normalize(key.namespace, key.identifier);
    if (!normalized.ok) continue;
    const found = await stores.identities
      .resolve(key.namespace, normalized.identifier, {
        workspaceId: installation.workspaceId,
        sources: channel.provenIdentitiesOnly ? PROVEN_SOURCES : RESOLUTION_SOURCES,
      })
      .catch((error: unknown) => {
        // A deactivated identity names nobody; any other failure is retried by the worker.
        if (isNotFound(error) || error instanceof DeactivatedError) return null;
        throw error;
      });
    if (found?.user.status !== 'active') continue;
    if (!found.workspaces.some((w) => w.workspaceId === installation.workspaceId)) continue;
    const binding = await stores.bindings.bindIfUnbound({
      installationId: installation.id,
      channelType: installation.channelType,
      channelUserId: source.sender.id,
      userId: found.user.id,
      config: { resolvedBy: key.namespace },
    });
    // A binding made meanwhile (a redeemed link) stands; the caller reads it again.
    if (binding.userId !== found.user.id) return { status: 'unresolved' };
    await stores.audit.record({
      installationId: installation.id,
      workspaceId: installation.workspaceId,
      channelType: installation.channelType,
      platformEventId,
      reason: 'resolved',
      channelUserId: source.sender.id,
      userId: found.user.id,
      detail: { namespace: key.namespace, identitySource: found.identity.source },
    });
    return {
      status: 'resolved',
      user: { id: found.user.id, username: found.user.username },
      namespace: key.namespace,
      identitySource: found.identity.source,
    };
  }
  return { status: 'unresolved' };
}

/** Binding first, then the identity graph: who the sender is, without provisioning anyone. */
export async function identifySender(
  stores: Pick<Stores, 'identities' | 'bindings' | 'audit'>,
  namespaces: NamespaceBook,
  installation: InstallationRecord,
  channel: Channel,
  source: Source,
  platformEventId: string,
): Promise<IdentityOutcome> {
  const bound = await resolveSender(stores, installation, source);
  if (bound.status === 'bound') {
    await proveBoundSenderIdentities(stores, namespaces, installation, channel, source, bound.user.id);
  }
  if (bound.status !== 'not_bound') return bound;
  const resolved = await resolveThroughIdentities(
    stores,
    namespaces,
    installation,
    channel,
    source,
    platformEventId,
  );
  if (resolved.status === 'resolved') return { status: 'bound', user: resolved.user };
  // Lost a race to another binding: whoever holds it now is the answer.
  return resolveSender(stores, installation, source);
}
