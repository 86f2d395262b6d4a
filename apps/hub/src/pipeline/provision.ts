import type { Channel, Provisioner, Source } from '@switchboard/core';
import type { AuditReason, InstallationRecord, Stores } from '@switchboard/db';
import type { InstallationPolicy } from './policy.js';
import type { ProfileCache } from './profile-cache.js';

export type AutoProvisionOutcome =
  | { status: 'provisioned'; user: { id: string; username: string }; created: boolean }
  /** A decision not to provision; the message ends here with this audit reason. */
  | { status: 'denied'; reason: AuditReason; detail: Record<string, unknown> };

export interface AutoProvisionDeps {
  stores: Pick<Stores, 'bindings' | 'audit'>;
  provisioner: Provisioner;
  profiles: ProfileCache;
  /** The event being processed; a created user's `provisioned` audit names it. */
  platformEventId?: string;
}

/**
 * First contact from an unbound sender on an installation with `auto_provision`: prove the
 * sender belongs to the installation's tenant, then create (or find) their hub user and bind
 * them. Runs in the workers, after dedup and eligibility, never for `/link` (the caller checks).
 * Tenancy comes from the event and the installation, never from the directory alone: a
 * readable profile is not proof of membership. Errors other than decisions propagate, so the
 * worker retries the event (audited `provision_failed`).
 */
export async function autoProvision(
  installation: InstallationRecord,
  channel: Channel,
  policy: InstallationPolicy,
  /** The event's sender (a message's, or a member who joined) and the tenant it names. */
  source: Pick<Source, 'sender' | 'tenantKey'>,
  deps: AutoProvisionDeps,
): Promise<AutoProvisionOutcome> {
  const sender = source.sender;
  const home = policy.tenant_key ?? channel.homeTenant?.();
  const eventTenant = source.tenantKey;
  if (!home || !eventTenant || eventTenant !== home) {
    return { status: 'denied', reason: 'wrong_tenant', detail: { eventTenant: eventTenant ?? null } };
  }
  if (sender.isExternal) return { status: 'denied', reason: 'external_guest', detail: { source: 'event' } };
  if (!channel.fetchProfile || !channel.identityNamespace) {
    return { status: 'denied', reason: 'not_bound', detail: { why: 'channel cannot provision' } };
  }
  const fetchProfile = channel.fetchProfile.bind(channel);
  const profile = await deps.profiles.get(installation.id, sender.unionId ?? sender.id, () =>
    fetchProfile(sender),
  );
  if (profile.inactive) {
    return { status: 'denied', reason: 'inactive_user', detail: { status: profile.inactive } };
  }
  if (profile.isGuest) return { status: 'denied', reason: 'external_guest', detail: { source: 'directory' } };
  if (profile.tenant && profile.tenant !== home) {
    return { status: 'denied', reason: 'wrong_tenant', detail: { profileTenant: profile.tenant } };
  }
  if (!profile.canonicalId.trim()) {
    return { status: 'denied', reason: 'provision_failed', detail: { why: 'empty_canonical_id' } };
  }
  let result: Awaited<ReturnType<Provisioner['provisionUser']>>;
  try {
    result = await deps.provisioner.provisionUser({
      workspaceId: installation.workspaceId,
      namespace: channel.identityNamespace,
      externalId: profile.canonicalId,
      ...(profile.email ? { email: profile.email } : {}),
      emailVerified: profile.emailVerified,
      ...((profile.name ?? sender.displayName) ? { displayName: profile.name ?? sender.displayName } : {}),
      linkByVerifiedEmail: policy.link_by_verified_email,
      event: {
        installationId: installation.id,
        channelType: installation.channelType,
        channelUserId: sender.id,
        ...(deps.platformEventId ? { platformEventId: deps.platformEventId } : {}),
      },
    });
  } catch (error) {
    const refusal = refusalReason(errorCode(error));
    if (refusal) return { status: 'denied', reason: refusal.reason, detail: { why: refusal.why } };
    throw error;
  }
  // Never moves an existing binding: one made meanwhile (a redeemed link) stands.
  const binding = await deps.stores.bindings.bindIfUnbound({
    installationId: installation.id,
    channelType: installation.channelType,
    channelUserId: sender.id,
    userId: result.userId,
    config: { canonicalId: profile.canonicalId, unionId: sender.unionId },
  });
  if (binding.userId !== result.userId) {
    return { status: 'denied', reason: 'not_bound', detail: { why: 'bound_to_another_user' } };
  }
  return {
    status: 'provisioned',
    user: { id: result.userId, username: result.username },
    created: result.status === 'created',
  };
}

/**
 * Refusals are decisions, audited once and not retried; every other error is a failure the
 * worker retries. A removed or deactivated person is never let back in by provisioning.
 */
function refusalReason(code: string | undefined): { reason: AuditReason; why: string } | undefined {
  switch (code) {
    case 'provision_refused_no_admin':
      return { reason: 'provision_refused_no_admin', why: 'no_admin' };
    case 'provision_refused_removed':
      return { reason: 'non_workspace_member', why: 'removed_by_admin' };
    case 'provision_refused_deactivated':
      return { reason: 'non_workspace_member', why: 'deactivated' };
    case 'empty_external_id':
      return { reason: 'provision_failed', why: 'empty_external_id' };
    default:
      return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
