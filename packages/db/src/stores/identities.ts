import { NotFoundError, SwitchboardError } from '@switchboard/core';
import type { Db, Tx } from '../database/open.js';
import { ConflictError, isUniqueViolation } from './errors.js';
import type { MemberRole } from './members.js';

/**
 * Where an identity came from. Resolution that links accounts trusts only some of them: an email
 * an admin typed or a directory verified may join two platform identities into one user; an
 * email a sender merely claims never does.
 */
export const identitySources = ['admin', 'provisioned', 'directory_verified'] as const;
export type IdentitySource = (typeof identitySources)[number];

export type RecordStatus = 'active' | 'deactivated';

export interface IdentityRecord {
  id: string;
  userId: string;
  namespace: string;
  identifier: string;
  source: string;
  status: RecordStatus;
  createdAt: Date;
}

export interface IdentityUser {
  id: string;
  username: string;
  status: RecordStatus;
}

/** An active identity and the user it belongs to (whose own status the caller must check). */
export interface IdentityMatch extends IdentityRecord {
  user: IdentityUser;
}

export interface IdentityKey {
  namespace: string;
  identifier: string;
}

export interface LinkIdentityInput extends IdentityKey {
  userId: string;
  source: IdentitySource;
}

export interface LinkResult {
  status: 'linked' | 'already_linked';
  identity: IdentityRecord;
}

export interface ResolvedIdentity {
  user: IdentityUser;
  identity: IdentityRecord;
  workspaces: Array<{ workspaceId: string; role: MemberRole }>;
}

export interface NewUserWithIdentity {
  user: { username: string; email?: string; displayName?: string };
  identity: IdentityKey & { source: IdentitySource };
  membership: { workspaceId: string; role: MemberRole };
}

/** The (namespace, identifier) already belongs to another user. */
export class IdentityConflictError extends ConflictError {
  constructor(
    readonly namespace: string,
    readonly identifier: string,
    readonly ownerUserId: string,
  ) {
    super('identity', `identity ${namespace}:${identifier} belongs to another user`);
    this.name = 'IdentityConflictError';
  }
}

/** The username was taken between the probe and the insert. */
export class UsernameTakenError extends ConflictError {
  constructor(
    readonly username: string,
    options?: { cause?: unknown },
  ) {
    super('user', `username "${username}" is taken`, options);
    this.name = 'UsernameTakenError';
  }
}

/** A deactivated user or identity: it is not free, and nothing here ever re-activates it. */
export class DeactivatedError extends SwitchboardError {
  constructor(
    readonly entity: 'user' | 'identity',
    key: string,
  ) {
    super('deactivated', `${entity} "${key}" is deactivated`);
  }
}

const identitySelect = {
  id: true,
  userId: true,
  namespace: true,
  identifier: true,
  source: true,
  status: true,
  createdAt: true,
} as const;
const userSelect = { id: true, username: true, status: true } as const;

// Interactive transactions wait for a pooled connection; a burst of first contacts can queue
// behind one another, so allow more than Prisma's 2 s default before giving up.
const TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

function keyOf(key: IdentityKey): string {
  return `${key.namespace}:${key.identifier}`;
}

/** The identity graph: which user a (namespace, identifier) belongs to. */
export class IdentityStore {
  constructor(private readonly db: Db) {}

  /**
   * The active identity and its user. Throws `NotFoundError` when no row exists (the only answer
   * a caller may read as "free") and `DeactivatedError` for a deactivated identity.
   */
  async find(namespace: string, identifier: string): Promise<IdentityMatch> {
    const row = await this.db.identity.findUnique({
      where: { namespace_identifier: { namespace, identifier } },
      select: { ...identitySelect, user: { select: userSelect } },
    });
    if (!row) throw new NotFoundError('identity', keyOf({ namespace, identifier }));
    if (row.status !== 'active') throw new DeactivatedError('identity', keyOf(row));
    return row;
  }

  /** Links one identity to a user; see `linkMany`. */
  async link(input: LinkIdentityInput): Promise<LinkResult> {
    const [result] = await this.linkMany([input]);
    if (!result) throw new Error('linkMany returned no result for one input');
    return result;
  }

  /**
   * Links identities to their users, all or none. Idempotent: an identity the same user already
   * holds is `already_linked` (its source is left as recorded). One held by another user throws
   * `IdentityConflictError`; a deactivated one throws `DeactivatedError`. Inserts use
   * ON CONFLICT DO NOTHING so a concurrent link of the same identity never aborts the transaction.
   */
  async linkMany(inputs: LinkIdentityInput[], tx?: Tx): Promise<LinkResult[]> {
    if (inputs.length === 0) return [];
    if (!tx) return this.db.$transaction((inner) => this.linkMany(inputs, inner), TX_OPTIONS);
    const where = { OR: inputs.map((i) => ({ namespace: i.namespace, identifier: i.identifier })) };
    const before = new Set((await tx.identity.findMany({ where, select: identitySelect })).map(keyOf));
    const missing = inputs.filter((input) => !before.has(keyOf(input)));
    if (missing.length > 0) {
      await tx.identity.createMany({
        data: missing.map((i) => ({
          userId: i.userId,
          namespace: i.namespace,
          identifier: i.identifier,
          source: i.source,
        })),
        skipDuplicates: true,
      });
    }
    const rows = new Map(
      (await tx.identity.findMany({ where, select: identitySelect })).map((r) => [keyOf(r), r]),
    );
    return inputs.map((input) => {
      const row = rows.get(keyOf(input));
      if (!row) throw new Error(`identity ${keyOf(input)} vanished while being linked`);
      if (row.userId !== input.userId) {
        throw new IdentityConflictError(input.namespace, input.identifier, row.userId);
      }
      if (row.status !== 'active') throw new DeactivatedError('identity', keyOf(row));
      return { status: before.has(keyOf(input)) ? 'already_linked' : 'linked', identity: row };
    });
  }

  /**
   * The user behind an identity and the workspaces they belong to. With `sources`, an identity
   * recorded from any other source is treated as absent (resolution trusts only listed sources).
   */
  async resolve(
    namespace: string,
    identifier: string,
    options: { sources?: readonly string[] } = {},
  ): Promise<ResolvedIdentity> {
    const match = await this.find(namespace, identifier);
    if (options.sources && !options.sources.includes(match.source)) {
      throw new NotFoundError('identity', keyOf(match));
    }
    const workspaces = await this.db.workspaceMember.findMany({
      where: { userId: match.userId },
      orderBy: { createdAt: 'asc' },
      select: { workspaceId: true, role: true },
    });
    const { user, ...identity } = match;
    return { user, identity, workspaces };
  }

  listForUser(userId: string): Promise<IdentityRecord[]> {
    return this.db.identity.findMany({
      where: { userId },
      orderBy: [{ createdAt: 'asc' }, { namespace: 'asc' }],
      select: identitySelect,
    });
  }

  /**
   * Creates a user (no password: no web login), their identity and their membership in one
   * transaction. Throws `UsernameTakenError` or `IdentityConflictError` (nothing is written) when
   * a concurrent writer took the username or the identity first.
   */
  async createUserWithIdentity(input: NewUserWithIdentity): Promise<{ userId: string; username: string }> {
    return this.db.$transaction(async (tx) => {
      let user: { id: string; username: string };
      try {
        user = await tx.user.create({
          data: {
            username: input.user.username,
            email: input.user.email?.toLowerCase() ?? null,
            displayName: input.user.displayName ?? null,
          },
          select: { id: true, username: true },
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new UsernameTakenError(input.user.username, { cause: error });
        throw error;
      }
      await this.linkMany([{ ...input.identity, userId: user.id }], tx);
      await tx.workspaceMember.create({
        data: { workspaceId: input.membership.workspaceId, userId: user.id, role: input.membership.role },
      });
      return { userId: user.id, username: user.username };
    }, TX_OPTIONS);
  }

  /**
   * Adds an existing, active user to a workspace with `role` unless they are a member already
   * (an existing role is never changed), and links `identities` to them, in one transaction.
   * A deactivated user throws `DeactivatedError` and nothing is written.
   */
  async joinWorkspace(input: {
    userId: string;
    workspaceId: string;
    role: MemberRole;
    identities?: Array<IdentityKey & { source: IdentitySource }>;
  }): Promise<{ joined: boolean; links: LinkResult[] }> {
    return this.db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: input.userId }, select: userSelect });
      if (!user) throw new NotFoundError('user', input.userId);
      if (user.status !== 'active') throw new DeactivatedError('user', user.username);
      const links = await this.linkMany(
        (input.identities ?? []).map((identity) => ({ ...identity, userId: input.userId })),
        tx,
      );
      const added = await tx.workspaceMember.createMany({
        data: [{ workspaceId: input.workspaceId, userId: input.userId, role: input.role }],
        skipDuplicates: true,
      });
      return { joined: added.count > 0, links };
    }, TX_OPTIONS);
  }
}
