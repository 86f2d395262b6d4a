import type { Logger } from '@switchboard/core';
import {
  DeactivatedError,
  IdentityConflictError,
  type IdentityStore,
  type MemberStore,
} from '@switchboard/db';
import { type LinkOutcome, linkIdentityToMember } from './link-identity.js';
import type { NamespaceBook } from './namespaces.js';
import type { CountryCode } from './phone.js';

/** A phone given with an invitation, before anyone accepted it. */
export type InvitedPhoneCheck =
  | { ok: true; phone: string }
  | { ok: false; outcome: 'invalid_phone'; message: string };

/** What happened to a phone given with an invitation or a new member: reported, never thrown. */
export type InvitedPhoneOutcome =
  | LinkOutcome
  /** Stored with the invitation; linked to whoever accepts it. */
  | { outcome: 'pending'; identifier: string }
  /** Another user holds the phone (or a platform id it implies), or it was deactivated. */
  | { outcome: 'identity_conflict' | 'identity_deactivated' | 'link_failed'; message: string };

/** The phone in its canonical form (E.164), or why it is not one; `namespaces` is the hub's book. */
export function checkInvitedPhone(
  namespaces: NamespaceBook,
  raw: string,
  phoneRegion?: CountryCode,
): InvitedPhoneCheck {
  const normalized = namespaces.normalize('phone', raw, phoneRegion ? { phoneRegion } : {});
  if (normalized.ok) return { ok: true, phone: normalized.identifier };
  return { ok: false, outcome: 'invalid_phone', message: normalized.message };
}

/**
 * Links a phone an admin gave to a member, as the admin API does (`linkIdentityToMember`: an
 * assertion scoped to the workspace, unverified until the member proves it, with the identities the
 * plugins derive from it). The membership it accompanies already stands, so every failure is
 * reported, never thrown; the admin API links it again.
 */
export async function linkInvitedPhone(
  stores: { identities: Pick<IdentityStore, 'linkMany'>; members: Pick<MemberStore, 'find'> },
  input: { workspaceId: string; userId: string; phone: string },
  options: { namespaces: NamespaceBook; phoneRegion?: CountryCode; logger: Logger },
): Promise<InvitedPhoneOutcome> {
  try {
    return await linkIdentityToMember(
      stores,
      { workspaceId: input.workspaceId, userId: input.userId, namespace: 'phone', identifier: input.phone },
      {
        namespaces: options.namespaces,
        ...(options.phoneRegion ? { phoneRegion: options.phoneRegion } : {}),
      },
    );
  } catch (error) {
    if (error instanceof IdentityConflictError) {
      return { outcome: 'identity_conflict', message: 'another user holds this phone' };
    }
    if (error instanceof DeactivatedError) {
      return { outcome: 'identity_deactivated', message: 'this phone is deactivated and cannot be linked' };
    }
    options.logger.warn(
      { err: error, userId: input.userId, workspaceId: input.workspaceId },
      'could not link an invited phone',
    );
    return { outcome: 'link_failed', message: 'the phone was not linked; link it with the identities API' };
  }
}
