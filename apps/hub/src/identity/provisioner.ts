import {
  isNotFound,
  type Logger,
  noopLogger,
  type Provisioner,
  ProvisionRefusedError,
  type ProvisionUserRequest,
  type ProvisionUserResult,
  pickExternalId,
  UsernameExhaustedError,
} from '@switchboard/core';
import {
  ConflictError,
  DeactivatedError,
  type IdentitySource,
  type IdentityUser,
  type Stores,
  UsernameTakenError,
} from '@switchboard/db';
import { genericNamespaces, type NamespaceBook, normalizeIdentifier } from './namespaces.js';
import type { CountryCode } from './phone.js';
import { type ProvisionerStore, provisionerStoreFrom } from './provisioner-store.js';
import { provisionedUsernameBase, usernameCandidate } from './username.js';

/**
 * Email identities from these sources may link a new platform identity to an existing user. An
 * `admin` one counts only in the workspace whose admin asserted it (lookups are scoped).
 */
export const TRUSTED_EMAIL_SOURCES: readonly IdentitySource[] = ['admin', 'directory_verified'];

export interface HubProvisionerOptions {
  /** Highest suffix tried (`base-2` … `base-<n>`) before `UsernameExhaustedError`; default 100. */
  maxUsernameSuffix?: number;
  /** Region for phone-namespace ids written without a country prefix. */
  phoneRegion?: CountryCode;
  /** The namespaces and their rules (the plugins'); default: the generic ones only. */
  namespaces?: NamespaceBook;
  logger?: Logger;
}

/**
 * The hub's `Provisioner`: makes a first-contact platform user a workspace member, exactly once
 * per (namespace, identifier), however many calls race.
 *
 * Invariants:
 * - nothing is written unless the identity lookup answered "not found" (or found the user);
 *   any other lookup or probe error propagates with no write;
 * - user, identity and membership are created in one transaction; the loser of a race on the
 *   identity's unique key returns the winner's user (`existing`), never an error;
 * - a deactivated user or identity is refused, never re-activated;
 * - a user an admin removed from the workspace is never added back by provisioning;
 * - a workspace without an owner or admin never receives a provisioned member.
 */
export class HubProvisioner implements Provisioner {
  private readonly maxSuffix: number;
  private readonly phoneRegion: CountryCode | undefined;
  private readonly namespaces: NamespaceBook;
  private readonly logger: Logger;

  constructor(
    private readonly store: ProvisionerStore,
    options: HubProvisionerOptions = {},
  ) {
    this.maxSuffix = Math.max(1, options.maxUsernameSuffix ?? 100);
    this.phoneRegion = options.phoneRegion;
    this.namespaces = options.namespaces ?? genericNamespaces;
    this.logger = options.logger ?? noopLogger;
  }

  async provisionUser(req: ProvisionUserRequest): Promise<ProvisionUserResult> {
    // Throws EmptyExternalIdError before any lookup: (namespace, "") is never read or written.
    const identifier = this.namespaces.require(req.namespace, pickExternalId(req), {
      phoneRegion: this.phoneRegion,
    });
    const found = await this.lookup(req.workspaceId, req.namespace, identifier);
    if (found) return this.admit(req, identifier, found, 'identity', false);
    const byEmail = await this.userByVerifiedEmail(req);
    if (byEmail) return this.admit(req, identifier, byEmail, 'verified_email', true);
    await this.assertManaged(req.workspaceId);
    return this.create(req, identifier);
  }

  /**
   * The user behind the identity as `workspaceId` may see it (hub-wide, or asserted by its own
   * admins), or null when (and only when) the store says "not found".
   */
  private async lookup(
    workspaceId: string,
    namespace: string,
    identifier: string,
  ): Promise<IdentityUser | null> {
    try {
      return (await this.store.findIdentity(namespace, identifier, workspaceId)).user;
    } catch (error) {
      if (isNotFound(error)) return null;
      if (error instanceof DeactivatedError) throw refusedDeactivated();
      throw error;
    }
  }

  /** The owner of a trusted email identity matching the request's verified email, if linking is on. */
  private async userByVerifiedEmail(req: ProvisionUserRequest): Promise<IdentityUser | null> {
    // Only a directory-verified email links accounts; an unverified one is a claim anybody can make.
    if (!req.linkByVerifiedEmail || req.emailVerified !== true || !req.email) return null;
    const email = normalizeIdentifier('email', req.email);
    if (!email.ok) return null;
    try {
      const match = await this.store.findIdentity('email', email.identifier, req.workspaceId);
      const trusted =
        TRUSTED_EMAIL_SOURCES.includes(match.source as IdentitySource) &&
        (match.source !== 'admin' || match.workspaceId === req.workspaceId);
      return trusted ? match.user : null;
    } catch (error) {
      // A deactivated email identity is simply not a link target.
      if (isNotFound(error) || error instanceof DeactivatedError) return null;
      throw error;
    }
  }

  /** An existing user: add them to the workspace (and link the identity) when needed. */
  private async admit(
    req: ProvisionUserRequest,
    identifier: string,
    user: IdentityUser,
    matchedBy: 'identity' | 'verified_email',
    linkIdentity: boolean,
  ): Promise<ProvisionUserResult> {
    if (user.status !== 'active') throw refusedDeactivated();
    const existing = {
      status: 'existing',
      userId: user.id,
      username: user.username,
      identifier,
      matchedBy,
    } as const;
    const member = await this.store.isMember(req.workspaceId, user.id);
    if (member && !linkIdentity) return { ...existing, joinedWorkspace: false };
    if (!member && (await this.store.wasRemoved(req.workspaceId, user.id))) {
      throw new ProvisionRefusedError('removed', 'an admin removed this user from the workspace');
    }
    if (!member) await this.assertManaged(req.workspaceId);
    try {
      const { joined } = await this.store.joinWorkspace({
        userId: user.id,
        workspaceId: req.workspaceId,
        identities: linkIdentity ? [{ namespace: req.namespace, identifier, source: 'provisioned' }] : [],
      });
      return { ...existing, joinedWorkspace: joined };
    } catch (error) {
      if (error instanceof DeactivatedError) throw refusedDeactivated();
      // A concurrent call provisioned this identity while we linked it by email: theirs stands.
      const winner =
        error instanceof ConflictError ? await this.lookup(req.workspaceId, req.namespace, identifier) : null;
      if (winner && winner.id !== user.id) return this.admit(req, identifier, winner, 'identity', false);
      throw error;
    }
  }

  private async create(req: ProvisionUserRequest, identifier: string): Promise<ProvisionUserResult> {
    // A claimed email is stored only when verified: the member API finds users by email.
    const verifiedEmail = req.emailVerified === true ? req.email?.trim().toLowerCase() : undefined;
    const rules = this.namespaces.rulesFor(req.namespace);
    const base = provisionedUsernameBase({ namespace: req.namespace, identifier, verifiedEmail, rules });
    const displayName = req.displayName?.trim().slice(0, 200);
    for (let attempt = 1; attempt <= this.maxSuffix; attempt++) {
      const username = usernameCandidate(base, attempt);
      if (!(await this.isUsernameFree(username))) continue;
      try {
        const created = await this.store.createProvisionedUser({
          user: {
            username,
            ...(verifiedEmail ? { email: verifiedEmail } : {}),
            ...(displayName ? { displayName } : {}),
          },
          identity: { namespace: req.namespace, identifier, source: 'provisioned' },
          membership: { workspaceId: req.workspaceId, role: 'member' },
          ...(req.event
            ? {
                audit: {
                  reason: 'provisioned',
                  workspaceId: req.workspaceId,
                  installationId: req.event.installationId,
                  channelType: req.event.channelType,
                  platformEventId: req.event.platformEventId ?? null,
                  channelUserId: req.event.channelUserId ?? null,
                },
              }
            : {}),
        });
        this.logger.info(
          { workspaceId: req.workspaceId, namespace: req.namespace, userId: created.userId },
          'provisioned a user',
        );
        return { status: 'created', ...created, identifier, joinedWorkspace: true };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // Lost a race: if it was for this identity, the winner's user is the answer.
        const winner = await this.lookup(req.workspaceId, req.namespace, identifier);
        if (winner) return this.admit(req, identifier, winner, 'identity', false);
        // Otherwise the username went between the probe and the insert: try the next one.
        if (!(error instanceof UsernameTakenError)) throw error;
      }
    }
    throw new UsernameExhaustedError(base, this.maxSuffix);
  }

  private async isUsernameFree(username: string): Promise<boolean> {
    try {
      await this.store.findUserByUsername(username);
      return false;
    } catch (error) {
      // Only "not found" means free; an outage must not read as an available name.
      if (isNotFound(error)) return true;
      throw error;
    }
  }

  private async assertManaged(workspaceId: string): Promise<void> {
    if ((await this.store.countAdmins(workspaceId)) === 0) {
      throw new ProvisionRefusedError(
        'no_admin',
        'the workspace has no owner or admin, so nobody could manage a provisioned member',
      );
    }
  }
}

function refusedDeactivated(): ProvisionRefusedError {
  return new ProvisionRefusedError('deactivated', 'the user or identity is deactivated');
}

/** The provisioner over a hub runtime's stores (`createProvisioner(runtime)`). */
export function createProvisioner(
  runtime: { stores: Pick<Stores, 'identities' | 'users' | 'members'>; namespaces?: NamespaceBook },
  options: HubProvisionerOptions = {},
): HubProvisioner {
  const namespaces = options.namespaces ?? runtime.namespaces;
  return new HubProvisioner(provisionerStoreFrom(runtime.stores), {
    ...options,
    ...(namespaces ? { namespaces } : {}),
  });
}
