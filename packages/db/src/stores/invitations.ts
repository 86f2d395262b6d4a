import { randomBytes } from 'node:crypto';
import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import { hashToken } from './api-tokens.js';
import type { MemberRole } from './members.js';

export type InvitationStatus = 'pending' | 'accepted' | 'canceled' | 'expired';

export interface InvitationRecord {
  id: string;
  workspaceId: string;
  status: InvitationStatus;
  role: MemberRole;
  userId: string | null;
  /** The invited user's username (when the invitation names a user). */
  username: string | null;
  email: string | null;
  /** The invitee's phone (E.164) the admin gave, linked to them when they accept. */
  phone: string | null;
  invitedByUserId: string | null;
  expiresAt: Date;
  createdAt: Date;
  acceptedAt: Date | null;
  canceledAt: Date | null;
}

export type AcceptOutcome =
  | {
      status: 'accepted';
      workspaceId: string;
      role: MemberRole;
      /** The phone the admin gave with the invitation, for the caller to link (never in here). */
      phone: string | null;
    }
  /** Unknown, used, canceled or expired: indistinguishable on purpose. */
  | { status: 'gone' }
  /** The signed-in user is not the person the invitation names. */
  | { status: 'not_invitee' };

const invitationSelect = {
  id: true,
  workspaceId: true,
  role: true,
  userId: true,
  email: true,
  phone: true,
  invitedByUserId: true,
  expiresAt: true,
  createdAt: true,
  acceptedAt: true,
  canceledAt: true,
} as const;

type Row = {
  id: string;
  workspaceId: string;
  role: MemberRole;
  userId: string | null;
  email: string | null;
  phone: string | null;
  invitedByUserId: string | null;
  expiresAt: Date;
  createdAt: Date;
  acceptedAt: Date | null;
  canceledAt: Date | null;
};

const INVITATION_TOKEN_PREFIX = 'sbi_';
const TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

function statusOf(row: Row, now: number): InvitationStatus {
  if (row.acceptedAt) return 'accepted';
  if (row.canceledAt) return 'canceled';
  return row.expiresAt.getTime() <= now ? 'expired' : 'pending';
}

/**
 * Invitations to join a workspace. The token is random (256 bits), stored only as its SHA-256,
 * single use and expiring; the invited person redeems it while signed in, which is their consent.
 */
export class InvitationStore {
  constructor(private readonly db: Db) {}

  private async present(row: Row): Promise<InvitationRecord> {
    const user = row.userId
      ? await this.db.user.findUnique({ where: { id: row.userId }, select: { username: true } })
      : null;
    return { ...row, username: user?.username ?? null, status: statusOf(row, Date.now()) };
  }

  async create(input: {
    workspaceId: string;
    role: MemberRole;
    userId?: string;
    email?: string;
    /** Already canonical (E.164): the store does not parse phone numbers. */
    phone?: string;
    invitedByUserId?: string;
    expiresAt: Date;
  }): Promise<{ invitation: InvitationRecord; token: string }> {
    const token = `${INVITATION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.db.invitation.create({
      data: {
        workspaceId: input.workspaceId,
        tokenHash: hashToken(token),
        role: input.role,
        userId: input.userId ?? null,
        email: input.email?.toLowerCase() ?? null,
        phone: input.phone ?? null,
        invitedByUserId: input.invitedByUserId ?? null,
        expiresAt: input.expiresAt,
      },
      select: invitationSelect,
    });
    return { invitation: await this.present(row), token };
  }

  async list(
    workspaceId: string,
    options: { limit: number; cursor?: string },
  ): Promise<{ items: InvitationRecord[]; nextCursor: string | null }> {
    const rows = await this.db.invitation.findMany({
      where: { workspaceId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit + 1,
      ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
      select: invitationSelect,
    });
    const page = rows.slice(0, options.limit);
    return {
      items: await Promise.all(page.map((row) => this.present(row))),
      nextCursor: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** Cancels a pending invitation of the workspace; `NotFoundError` for any other. */
  async cancel(workspaceId: string, id: string): Promise<void> {
    const canceled = await this.db.invitation.updateMany({
      where: { id, workspaceId, acceptedAt: null, canceledAt: null },
      data: { canceledAt: new Date() },
    });
    if (canceled.count === 0) throw new NotFoundError('invitation', id);
  }

  /**
   * Redeems a token as `user`. The claim (`accepted_at` set only while still pending and unexpired)
   * and the membership are one transaction, so a token admits one person once. An existing member
   * keeps the higher of their role and the invited one; an earlier removal is lifted (the person
   * consented to come back).
   */
  async accept(token: string, user: { id: string; email: string | null }): Promise<AcceptOutcome> {
    if (!token.startsWith(INVITATION_TOKEN_PREFIX) || token.length > 200) return { status: 'gone' };
    return this.db.$transaction(async (tx) => {
      const row = await tx.invitation.findUnique({
        where: { tokenHash: hashToken(token) },
        select: invitationSelect,
      });
      if (!row || statusOf(row, Date.now()) !== 'pending') return { status: 'gone' } as const;
      const forUser = row.userId !== null && row.userId === user.id;
      const forEmail = row.userId === null && row.email !== null && row.email === user.email?.toLowerCase();
      if (!forUser && !forEmail) return { status: 'not_invitee' } as const;
      const claimed = await tx.invitation.updateMany({
        where: { id: row.id, acceptedAt: null, canceledAt: null, expiresAt: { gt: new Date() } },
        data: { acceptedAt: new Date(), acceptedByUserId: user.id },
      });
      if (claimed.count === 0) return { status: 'gone' } as const;
      const current = await tx.workspaceMember.findUnique({
        where: { workspaceId_userId: { workspaceId: row.workspaceId, userId: user.id } },
        select: { role: true },
      });
      const rank = { member: 0, admin: 1, owner: 2 } as const;
      const role = current && rank[current.role] > rank[row.role] ? current.role : row.role;
      await tx.workspaceMemberRemoval.deleteMany({
        where: { workspaceId: row.workspaceId, userId: user.id },
      });
      await tx.workspaceMember.upsert({
        where: { workspaceId_userId: { workspaceId: row.workspaceId, userId: user.id } },
        create: { workspaceId: row.workspaceId, userId: user.id, role },
        update: { role },
      });
      return { status: 'accepted', workspaceId: row.workspaceId, role, phone: row.phone } as const;
    }, TX_OPTIONS);
  }
}
