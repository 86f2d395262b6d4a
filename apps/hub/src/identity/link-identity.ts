import type { IdentityNamespace } from '@switchboard/core';
import type { IdentityStore, LinkResult, MemberStore } from '@switchboard/db';
import { genericNamespaces, type NamespaceBook } from './namespaces.js';
import type { CountryCode } from './phone.js';

export type LinkOutcome =
  | {
      outcome: 'linked' | 'already_linked';
      identities: Array<{ namespace: string; identifier: string; status: LinkResult['status'] }>;
    }
  /** Not a failure of the caller's larger operation: reported, never thrown. */
  | { outcome: 'invalid_phone' | 'invalid_identifier' | 'unknown_namespace'; message: string }
  | { outcome: 'no_member' };

/**
 * Links an identity to a member of the workspace, as an admin, in its canonical spelling (a phone
 * in E.164), with the identities the plugins derive from it (see `NamespaceRules.linked`),
 * atomically. `auth` may only name the member's own id (a repair).
 * An identity held by another user throws `IdentityConflictError`.
 */
export async function linkIdentityToMember(
  stores: { identities: Pick<IdentityStore, 'linkMany'>; members: Pick<MemberStore, 'find'> },
  input: { workspaceId: string; userId: string; namespace: IdentityNamespace; identifier: string },
  options: { phoneRegion?: CountryCode; namespaces?: NamespaceBook } = {},
): Promise<LinkOutcome> {
  const book = options.namespaces ?? genericNamespaces;
  const normalized = book.normalize(input.namespace, input.identifier, options);
  if (!normalized.ok) {
    const outcome = normalized.reason === 'empty' ? 'invalid_identifier' : normalized.reason;
    return { outcome, message: normalized.message };
  }
  if (input.namespace === 'auth' && normalized.identifier !== input.userId) {
    return { outcome: 'invalid_identifier', message: "an auth identity must be the member's own user id" };
  }
  if (!(await stores.members.find(input.workspaceId, input.userId))) return { outcome: 'no_member' };
  const key = { namespace: input.namespace, identifier: normalized.identifier };
  const keys = [key, ...book.linked(key)];
  const results = await stores.identities.linkMany(
    // An admin's assertion: scoped to their workspace, invisible to every other one. (`auth` is
    // the member's own id: hub-wide.)
    keys.map((key) =>
      key.namespace === 'auth'
        ? { ...key, userId: input.userId, source: 'self' as const }
        : { ...key, userId: input.userId, source: 'admin' as const, workspaceId: input.workspaceId },
    ),
  );
  const identities = results.map((r) => ({
    namespace: r.identity.namespace,
    identifier: r.identity.identifier,
    status: r.status,
  }));
  return {
    outcome: identities.some((i) => i.status === 'linked') ? 'linked' : 'already_linked',
    identities,
  };
}
