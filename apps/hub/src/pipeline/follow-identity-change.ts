import { type IdentityChange, type IdentityKey, isNotFound } from '@switchboard/core';
import {
  DeactivatedError,
  IdentityConflictError,
  type InstallationRecord,
  type ResolvedIdentity,
  type Stores,
} from '@switchboard/db';
import type { NamespaceBook } from '../identity/namespaces.js';
import { PROVEN_SOURCES } from './resolve-identity.js';

export type IdentityChangeOutcome =
  /** Nobody in the workspace proved any of the previous identities: nothing moves. */
  | { status: 'no_holder' }
  /** The previous identities are proven by more than one person: nothing moves. */
  | { status: 'ambiguous' }
  | {
      status: 'moved';
      userId: string;
      linked: number;
      alreadyLinked: number;
      conflicts: number;
      retired: number;
      unbound: number;
    };

/**
 * Applies a platform's notice that a sender's ids changed (`identityChange` on a message event):
 * the workspace member who proved identities among `previous` gets the `current` identities of
 * the same namespaces, hub-wide, as the platform asserted them in a verified event of this
 * installation (`provisioned`). Idempotent: a redelivery finds them `already_linked`.
 *
 * Invariants: only proven identities move (an admin's assertion moves nothing); a new identity
 * someone else holds stays theirs (counted as a conflict). Once a namespace's new identities are
 * the member's, the member's previous ones in it are retired (deactivated), and the bindings of
 * the sender ids the platform no longer uses for them are removed: the old number may be given
 * to someone else, who must never be delivered as the member.
 */
export async function followIdentityChange(
  stores: Pick<Stores, 'identities' | 'audit' | 'bindings'>,
  namespaces: NamespaceBook,
  installation: InstallationRecord,
  change: IdentityChange,
  platformEventId: string,
  channelUserId: string,
): Promise<IdentityChangeOutcome> {
  const holders = new Map<string, Set<string>>();
  for (const key of canonical(namespaces, change.previous)) {
    const found = await provenHolder(stores, installation, key);
    if (!found) continue;
    holders.set(found.user.id, (holders.get(found.user.id) ?? new Set()).add(key.namespace));
  }
  if (holders.size === 0) return { status: 'no_holder' };
  if (holders.size > 1) return { status: 'ambiguous' };
  const [[userId, provenNamespaces]] = [...holders] as [[string, Set<string>]];
  const moving = canonical(namespaces, change.current).filter((key) => provenNamespaces.has(key.namespace));
  const outcome = {
    status: 'moved' as const,
    userId,
    linked: 0,
    alreadyLinked: 0,
    conflicts: 0,
    retired: 0,
    unbound: 0,
  };
  const arrived = new Set<string>();
  for (const key of moving) {
    try {
      // One at a time: a new number someone else already proved must not block the rest.
      const result = await stores.identities.link({ ...key, userId, source: 'provisioned' });
      if (result.status === 'linked') outcome.linked += 1;
      else outcome.alreadyLinked += 1;
      arrived.add(key.namespace);
    } catch (error) {
      if (error instanceof IdentityConflictError || error instanceof DeactivatedError) {
        outcome.conflicts += 1;
        continue;
      }
      throw error;
    }
  }
  // Retire only where the member now holds the new identities, so a conflict never strands them.
  const leaving = canonical(namespaces, change.previous).filter((key) => arrived.has(key.namespace));
  outcome.retired = await stores.identities.retire(userId, leaving);
  if (arrived.size > 0) {
    for (const senderId of change.previousSenderIds ?? []) {
      const binding = await stores.bindings.find(installation.id, senderId);
      if (binding?.userId === userId && (await stores.bindings.remove(installation.id, senderId))) {
        outcome.unbound += 1;
      }
    }
  }
  await stores.audit.record({
    installationId: installation.id,
    workspaceId: installation.workspaceId,
    channelType: installation.channelType,
    platformEventId,
    reason: 'identity_changed',
    channelUserId,
    userId,
    detail: {
      namespaces: [...provenNamespaces].sort(),
      linked: outcome.linked,
      alreadyLinked: outcome.alreadyLinked,
      conflicts: outcome.conflicts,
      retired: outcome.retired,
      unbound: outcome.unbound,
    },
  });
  return outcome;
}

function canonical(namespaces: NamespaceBook, keys: IdentityKey[]): IdentityKey[] {
  const seen = new Map<string, IdentityKey>();
  for (const key of keys) {
    const normalized = namespaces.normalize(key.namespace, key.identifier);
    if (!normalized.ok) continue;
    seen.set(`${key.namespace}:${normalized.identifier}`, {
      namespace: key.namespace,
      identifier: normalized.identifier,
    });
  }
  return [...seen.values()];
}

/** The active workspace member who proved `key`, or undefined. */
async function provenHolder(
  stores: Pick<Stores, 'identities'>,
  installation: InstallationRecord,
  key: IdentityKey,
): Promise<ResolvedIdentity | undefined> {
  const found = await stores.identities
    .resolve(key.namespace, key.identifier, {
      workspaceId: installation.workspaceId,
      sources: PROVEN_SOURCES,
    })
    .catch((error: unknown) => {
      if (isNotFound(error) || error instanceof DeactivatedError) return undefined;
      throw error;
    });
  if (found?.user.status !== 'active') return undefined;
  return found.workspaces.some((w) => w.workspaceId === installation.workspaceId) ? found : undefined;
}
