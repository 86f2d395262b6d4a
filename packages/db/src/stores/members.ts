import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';

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
   * adding someone back also lifts an earlier removal (see `wasRemoved`).
   */
  async upsert(workspaceId: string, userId: string, role: MemberRole): Promise<MemberRecord> {
    const row = await this.db.$transaction(async (tx) => {
      await tx.workspaceMemberRemoval.deleteMany({ where: { workspaceId, userId } });
      return tx.workspaceMember.upsert({
        where: { workspaceId_userId: { workspaceId, userId } },
        create: { workspaceId, userId, role },
        update: { role },
        select: memberSelect,
      });
    });
    return toRecord(row);
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
   * workspace: a binding never outlives the membership it was made under.
   */
  async remove(workspaceId: string, userId: string): Promise<{ prunedBindings: number }> {
    return this.db.$transaction(async (tx) => {
      const deleted = await tx.workspaceMember.deleteMany({ where: { workspaceId, userId } });
      if (deleted.count === 0) throw new NotFoundError('member', userId);
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
    });
  }
}
