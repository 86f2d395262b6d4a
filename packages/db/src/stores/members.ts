import { NotFoundError, SwitchboardError } from '@switchboard/core';
import type { Db, Tx } from '../database/open.js';

export type MemberRole = 'owner' | 'admin' | 'member';

export interface MemberRecord {
  workspaceId: string;
  userId: string;
  username: string;
  email: string | null;
  displayName: string | null;
  role: MemberRole;
  createdAt: Date;
}

/**
 * The change would leave the workspace without an owner (`last_owner`) or without anyone who can
 * manage it (`last_admin`, owners count as admins). Nothing was written.
 */
export class MembershipInvariantError extends SwitchboardError {
  constructor(readonly invariant: 'last_owner' | 'last_admin') {
    super(
      invariant,
      invariant === 'last_owner'
        ? 'the workspace must keep at least one owner'
        : 'the workspace must keep at least one owner or admin',
    );
  }
}

const TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/**
 * Serializes every membership change of one workspace: the invariant checks below read the
 * counts after this lock, so two concurrent removals cannot each see "another admin is left".
 */
async function lockWorkspace(tx: Tx, workspaceId: string): Promise<void> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM workspace WHERE id = ${workspaceId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new NotFoundError('workspace', workspaceId);
}

/** Refuses a change that takes the last owner, or the last owner-or-admin, away. */
async function assertInvariants(
  tx: Tx,
  workspaceId: string,
  change: { from: MemberRole | null; to: MemberRole | null },
): Promise<void> {
  const losesOwner = change.from === 'owner' && change.to !== 'owner';
  const losesAdmin =
    change.from !== null && change.from !== 'member' && (change.to === null || change.to === 'member');
  if (!losesOwner && !losesAdmin) return;
  const counts = await tx.workspaceMember.groupBy({
    by: ['role'],
    where: { workspaceId },
    _count: { _all: true },
  });
  const count = (role: MemberRole) => counts.find((c) => c.role === role)?._count._all ?? 0;
  if (losesOwner && count('owner') <= 1) throw new MembershipInvariantError('last_owner');
  if (losesAdmin && count('owner') + count('admin') <= 1) throw new MembershipInvariantError('last_admin');
}

const memberSelect = {
  workspaceId: true,
  userId: true,
  role: true,
  createdAt: true,
  user: { select: { username: true, email: true, displayName: true } },
} as const;

function toRecord(row: {
  workspaceId: string;
  userId: string;
  role: MemberRole;
  createdAt: Date;
  user: { username: string; email: string | null; displayName: string | null };
}): MemberRecord {
  return {
    workspaceId: row.workspaceId,
    userId: row.userId,
    role: row.role,
    createdAt: row.createdAt,
    username: row.user.username,
    email: row.user.email,
    displayName: row.user.displayName,
  };
}

export class MemberStore {
  constructor(private readonly db: Db) {}

  /**
   * Adds the user to the workspace, or changes their role if they are already a member. An admin
   * adding someone back also lifts an earlier removal (see `wasRemoved`). A role change that would
   * leave no owner or no admin throws `MembershipInvariantError`.
   */
  async upsert(workspaceId: string, userId: string, role: MemberRole): Promise<MemberRecord> {
    const row = await this.db.$transaction(async (tx) => {
      await lockWorkspace(tx, workspaceId);
      const current = await tx.workspaceMember.findUnique({
        where: { workspaceId_userId: { workspaceId, userId } },
        select: { role: true },
      });
      if (current) await assertInvariants(tx, workspaceId, { from: current.role, to: role });
      await tx.workspaceMemberRemoval.deleteMany({ where: { workspaceId, userId } });
      return tx.workspaceMember.upsert({
        where: { workspaceId_userId: { workspaceId, userId } },
        create: { workspaceId, userId, role },
        update: { role },
        select: memberSelect,
      });
    }, TX_OPTIONS);
    return toRecord(row);
  }

  /** Changes an existing member's role under the workspace lock; `NotFoundError` for a non-member. */
  async changeRole(workspaceId: string, userId: string, role: MemberRole): Promise<MemberRecord> {
    const row = await this.db.$transaction(async (tx) => {
      await lockWorkspace(tx, workspaceId);
      const current = await tx.workspaceMember.findUnique({
        where: { workspaceId_userId: { workspaceId, userId } },
        select: { role: true },
      });
      if (!current) throw new NotFoundError('member', userId);
      await assertInvariants(tx, workspaceId, { from: current.role, to: role });
      return tx.workspaceMember.update({
        where: { workspaceId_userId: { workspaceId, userId } },
        data: { role },
        select: memberSelect,
      });
    }, TX_OPTIONS);
    return toRecord(row);
  }

  /**
   * Hands ownership from one owner to another member in one transaction: `toUserId` becomes an
   * owner, `fromUserId` an admin. Throws `NotFoundError` unless both are members and `fromUserId`
   * is an owner.
   */
  async transferOwnership(
    workspaceId: string,
    fromUserId: string,
    toUserId: string,
  ): Promise<{ from: MemberRecord; to: MemberRecord }> {
    return this.db.$transaction(async (tx) => {
      await lockWorkspace(tx, workspaceId);
      const [from, to] = await Promise.all(
        [fromUserId, toUserId].map((userId) =>
          tx.workspaceMember.findUnique({
            where: { workspaceId_userId: { workspaceId, userId } },
            select: { role: true },
          }),
        ),
      );
      if (from?.role !== 'owner') throw new NotFoundError('owner', fromUserId);
      if (!to) throw new NotFoundError('member', toUserId);
      const promoted = await tx.workspaceMember.update({
        where: { workspaceId_userId: { workspaceId, userId: toUserId } },
        data: { role: 'owner' },
        select: memberSelect,
      });
      const demoted =
        fromUserId === toUserId
          ? promoted
          : await tx.workspaceMember.update({
              where: { workspaceId_userId: { workspaceId, userId: fromUserId } },
              data: { role: 'admin' },
              select: memberSelect,
            });
      return { from: toRecord(demoted), to: toRecord(promoted) };
    }, TX_OPTIONS);
  }

  /** True when an admin removed the user from the workspace and nobody added them back since. */
  async wasRemoved(workspaceId: string, userId: string): Promise<boolean> {
    const row = await this.db.workspaceMemberRemoval.findUnique({
      where: { workspaceId_userId: { workspaceId, userId } },
      select: { userId: true },
    });
    return row !== null;
  }

  async list(workspaceId: string): Promise<MemberRecord[]> {
    const rows = await this.db.workspaceMember.findMany({
      where: { workspaceId },
      orderBy: { createdAt: 'asc' },
      select: memberSelect,
    });
    return rows.map(toRecord);
  }

  async find(workspaceId: string, userId: string): Promise<MemberRecord | null> {
    const row = await this.db.workspaceMember.findUnique({
      where: { workspaceId_userId: { workspaceId, userId } },
      select: memberSelect,
    });
    return row ? toRecord(row) : null;
  }

  countAdmins(workspaceId: string): Promise<number> {
    return this.db.workspaceMember.count({ where: { workspaceId, role: { in: ['owner', 'admin'] } } });
  }

  /**
   * Removes a member and, in the same transaction, their bindings on every channel of the
   * workspace: a binding never outlives the membership it was made under. Removing the last owner
   * or the last admin throws `MembershipInvariantError`.
   */
  async remove(workspaceId: string, userId: string): Promise<{ prunedBindings: number }> {
    return this.db.$transaction(async (tx) => {
      await lockWorkspace(tx, workspaceId);
      const current = await tx.workspaceMember.findUnique({
        where: { workspaceId_userId: { workspaceId, userId } },
        select: { role: true },
      });
      if (!current) throw new NotFoundError('member', userId);
      await assertInvariants(tx, workspaceId, { from: current.role, to: null });
      await tx.workspaceMember.delete({ where: { workspaceId_userId: { workspaceId, userId } } });
      // Remembered so that automatic provisioning never silently adds them back.
      await tx.workspaceMemberRemoval.upsert({
        where: { workspaceId_userId: { workspaceId, userId } },
        create: { workspaceId, userId },
        update: { removedAt: new Date() },
      });
      const installations = await tx.channelInstallation.findMany({
        where: { workspaceId },
        select: { id: true },
      });
      const pruned = await tx.channelUserBinding.deleteMany({
        where: { userId, installationId: { in: installations.map((i) => i.id) } },
      });
      return { prunedBindings: pruned.count };
    }, TX_OPTIONS);
  }
}
