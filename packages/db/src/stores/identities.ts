import { NotFoundError, SwitchboardError } from '@switchboard/core';
import type { Db, Tx } from '../database/open.js';
import type { AuditEntry } from './audit.js';
import { ConflictError, isUniqueViolation } from './errors.js';
import type { MemberRole } from './members.js';

/**
 * How an identity was verified. Resolution that links accounts trusts only some of them: an email
 * a directory verified may join two platform identities into one user; one an admin typed does so
 * only inside that admin's workspace; an email a sender merely claims never does.
 * - `self`: the person themselves (their own user id);
 * - `provisioned`: a verified platform event of the workspace's own installation;
 * - `directory_verified`: the platform's directory says the email is verified;
 * - `admin`: an admin asserted it; always scoped to that admin's workspace.
 */
export const identitySources = ['admin', 'provisioned', 'directory_verified', 'self'] as const;
export type IdentitySource = (typeof identitySources)[number];

export type RecordStatus = 'active' | 'deactivated';

export interface IdentityRecord {
  id: string;
  userId: string;
  namespace: string;
  identifier: string;
  source: string;
  /** Null: hub-wide. Set: asserted by an admin of this workspace and trusted only there. */
  workspaceId: string | null;
  status: RecordStatus;
  createdAt: Date;
}

/** Which identities a reader may see: hub-wide ones, plus those asserted in `workspaceId`. */
export interface IdentityScope {
  workspaceId?: string;
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
  /** The workspace whose admin asserts the identity; absent for hub-wide (verified) identities. */
  workspaceId?: string | null;
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
  /** Written with the user in the same transaction (the `provisioned` audit of the event). */
  audit?: Omit<AuditEntry, 'userId'>;
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
  workspaceId: true,
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

/** Rows a reader in `scope` may see: hub-wide ones and, with a workspace, that workspace's. */
function visibleIn(scope: IdentityScope) {
  return scope.workspaceId
    ? { OR: [{ workspaceId: null }, { workspaceId: scope.workspaceId }] }
    : { workspaceId: null };
}

/** Hub-wide rows first: a verified identity outranks an admin's assertion. */
function preferHubWide<T extends { workspaceId: string | null }>(rows: T[]): T | undefined {
  return rows.find((row) => row.workspaceId === null) ?? rows[0];
}

/** The identity graph: which user a (namespace, identifier) belongs to. */
export class IdentityStore {
  constructor(private readonly db: Db) {}

  /**
   * The active identity and its user, among the hub-wide identities and (with `scope.workspaceId`)
   * those that workspace's admins asserted; another workspace's assertions are invisible. Throws
   * `NotFoundError` when no row exists (the only answer a caller may read as "free") and
   * `DeactivatedError` for a deactivated identity.
   */
  async find(namespace: string, identifier: string, scope: IdentityScope = {}): Promise<IdentityMatch> {
    const rows = await this.db.identity.findMany({
      where: { namespace, identifier, ...visibleIn(scope) },
      select: { ...identitySelect, user: { select: userSelect } },
    });
    const row = preferHubWide(rows);
    if (!row) throw new NotFoundError('identity', keyOf({ namespace, identifier }));
    if (row.status !== 'active') throw new DeactivatedError('identity', keyOf(row));
    return row;
  }

  /**
   * Deactivates the hub-wide identities of `userId` among `keys` (a person's old phone number
   * after they changed it): they no longer resolve to anyone, and like every deactivated row they
   * are never re-activated or linked again. Returns how many were active.
   */
  async retire(userId: string, keys: IdentityKey[]): Promise<number> {
    if (keys.length === 0) return 0;
    const result = await this.db.identity.updateMany({
      where: {
        userId,
        workspaceId: null,
        status: 'active',
        OR: keys.map((key) => ({ namespace: key.namespace, identifier: key.identifier })),
      },
      data: { status: 'deactivated' },
    });
    return result.count;
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
    // Each input sees the hub-wide rows and the rows of its own scope: a verified identity held by
    // another user conflicts everywhere; another workspace's assertion never does.
    const where = {
      OR: inputs.map((i) => ({
        namespace: i.namespace,
        identifier: i.identifier,
        ...visibleIn(i.workspaceId ? { workspaceId: i.workspaceId } : {}),
      })),
    };
    const read = async () => tx.identity.findMany({ where, select: identitySelect });
    const visibleTo = (rows: IdentityRecord[], input: LinkIdentityInput) =>
      preferHubWide(
        rows.filter(
          (r) =>
            keyOf(r) === keyOf(input) &&
            (r.workspaceId === null || r.workspaceId === (input.workspaceId ?? null)),
        ),
      );
    const before = await read();
    const missing = inputs.filter((input) => !visibleTo(before, input));
    if (missing.length > 0) {
      await tx.identity.createMany({
        data: missing.map((i) => ({
          userId: i.userId,
          namespace: i.namespace,
          identifier: i.identifier,
          source: i.source,
          workspaceId: i.workspaceId ?? null,
        })),
        skipDuplicates: true,
      });
    }
    const after = await read();
    return inputs.map((input) => {
      const row = visibleTo(after, input);
      if (!row) throw new Error(`identity ${keyOf(input)} vanished while being linked`);
      if (row.userId !== input.userId) {
        throw new IdentityConflictError(input.namespace, input.identifier, row.userId);
      }
      if (row.status !== 'active') throw new DeactivatedError('identity', keyOf(row));
      const existed = before.some((b) => b.id === row.id);
      return { status: existed ? 'already_linked' : 'linked', identity: row };
    });
  }

  /**
   * The user behind an identity and the workspaces they belong to. With `sources`, an identity
   * recorded from any other source is treated as absent (resolution trusts only listed sources).
   */
  async resolve(
    namespace: string,
    identifier: string,
    options: { sources?: readonly string[] } & IdentityScope = {},
  ): Promise<ResolvedIdentity> {
    const match = await this.find(namespace, identifier, options);
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

  /** A user's identities as seen from `scope`: never another workspace's admin assertions. */
  listForUser(userId: string, scope: IdentityScope = {}): Promise<IdentityRecord[]> {
    return this.db.identity.findMany({
      where: { userId, ...visibleIn(scope) },
      orderBy: [{ createdAt: 'asc' }, { namespace: 'asc' }],
      select: identitySelect,
    });
  }

  /**
   * Creates a user (no password: no web login), their hub-wide identity, their membership and
   * (given) the audit row. Throws `UsernameTakenError` or `IdentityConflictError` (nothing is
   * written) when a concurrent writer took the username or the identity first.
   *
   * The auto-provisioning hot path, so it is one statement, so one round trip and one commit instead of an interactive transaction that holds
   * a pooled connection across seven. It is all or nothing: a taken username inserts nothing
   * (ON CONFLICT on the user), and an identity someone else holds fails the whole statement on
   * the unique index.
   */
  async createUserWithIdentity(input: NewUserWithIdentity): Promise<{ userId: string; username: string }> {
    const { user, identity, membership, audit } = input;
    let rows: Array<{ id: string; username: string }>;
    try {
      rows = await this.db.$queryRaw<Array<{ id: string; username: string }>>`
        WITH new_user AS (
          INSERT INTO "user" ("id", "username", "email", "display_name")
          VALUES (gen_random_uuid(), ${user.username}, ${user.email?.toLowerCase() ?? null}, ${user.displayName ?? null})
          ON CONFLICT ("username") DO NOTHING
          RETURNING "id", "username"
        ), new_identity AS (
          INSERT INTO "identity" ("id", "user_id", "namespace", "identifier", "source", "workspace_id")
          SELECT gen_random_uuid(), "id", ${identity.namespace}, ${identity.identifier}, ${identity.source}, NULL
          FROM new_user
          RETURNING "id"
        ), new_member AS (
          INSERT INTO "workspace_member" ("id", "workspace_id", "user_id", "role")
          SELECT gen_random_uuid(), ${membership.workspaceId}::uuid, "id", ${membership.role}::"member_role"
          FROM new_user
          RETURNING "id"
        ), new_audit AS (
          INSERT INTO "channel_inbound_audit"
            ("installation_id", "workspace_id", "channel_type", "platform_event_id", "reason", "channel_user_id", "user_id", "detail")
          SELECT ${audit?.installationId ?? null}::uuid, ${audit?.workspaceId ?? null}::uuid, ${audit?.channelType ?? null},
                 ${audit?.platformEventId ?? null}, ${audit?.reason ?? null}, ${audit?.channelUserId ?? null}, "id",
                 ${audit?.detail ? JSON.stringify(audit.detail) : null}::jsonb
          FROM new_user
          WHERE ${audit !== undefined}
          RETURNING "id"
        )
        SELECT "id", "username" FROM new_user`;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The username cannot be it (ON CONFLICT), so the identity is held already: say by whom.
      const holder = await this.db.identity.findFirst({
        where: { namespace: identity.namespace, identifier: identity.identifier, workspaceId: null },
        select: { userId: true, status: true },
      });
      if (holder?.status === 'deactivated') {
        throw new DeactivatedError('identity', keyOf(identity));
      }
      throw new IdentityConflictError(identity.namespace, identity.identifier, holder?.userId ?? 'unknown');
    }
    const created = rows[0];
    if (!created) throw new UsernameTakenError(user.username);
    return { userId: created.id, username: created.username };
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
