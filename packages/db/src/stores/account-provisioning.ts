import { type AccountGrant, NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import type { Prisma } from '../generated/prisma/client.js';

/** `pending`: asked, no answer yet; `invited`: the person must act; the rest are final or active. */
export type AccountState = 'pending' | 'invited' | 'active' | 'expired' | 'failed' | 'canceled';
/** States in which a user has (or is getting) an account: a new request returns the row instead. */
export const OPEN_ACCOUNT_STATES: readonly AccountState[] = ['pending', 'invited', 'active'];

export interface AccountRecord {
  id: string;
  workspaceId: string;
  userId: string;
  installationId: string | null;
  channelType: string;
  /** The platform's id: the pending invitation's while invited, the account's once active. */
  externalId: string | null;
  state: AccountState;
  /** Platform facts (login, email, why it failed); never secrets. */
  detail: Record<string, unknown>;
  grants: AccountGrant[];
  grantsAppliedAt: Date | null;
  expiresAt: Date | null;
  lastError: string | null;
  /** While a caller asks the platform for this `pending` row (see `claimAttempt`). */
  attemptClaimedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Prisma.AccountProvisioningGetPayload<object>;

function toRecord(row: Row): AccountRecord {
  return {
    ...row,
    state: row.state as AccountState,
    detail: (row.detail ?? {}) as Record<string, unknown>,
    grants: (Array.isArray(row.grants) ? row.grants : []) as unknown as AccountGrant[],
  };
}

export interface AccountTransition {
  state: AccountState;
  externalId?: string | null;
  detail?: Record<string, unknown>;
  expiresAt?: Date | null;
  lastError?: string | null;
}

/**
 * Replicas racing on one person queue on the advisory lock inside the transaction: Prisma's
 * defaults (2 s to start, 5 s in all) fail such a queue on a busy database; these do not.
 */
const TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/** `account_provisioning`: one row per request for a platform account, with its lifecycle. */
export class AccountProvisioningStore {
  constructor(private readonly db: Db) {}

  async create(input: {
    workspaceId: string;
    userId: string;
    installationId: string;
    channelType: string;
    grants: AccountGrant[];
    detail?: Record<string, unknown>;
  }): Promise<AccountRecord> {
    const row = await this.db.accountProvisioning.create({
      data: {
        workspaceId: input.workspaceId,
        userId: input.userId,
        installationId: input.installationId,
        channelType: input.channelType,
        state: 'pending',
        grants: input.grants as unknown as Prisma.InputJsonValue,
        detail: (input.detail ?? {}) as Prisma.InputJsonValue,
      },
    });
    return toRecord(row);
  }

  /**
   * Moves a row on only if it is in one of `from`: two deliveries of one acceptance (or an
   * acceptance racing a cancel) change it once. Returns the row after the move, or null when it
   * was not in `from` any more.
   */
  async transition(
    id: string,
    from: readonly AccountState[],
    to: AccountTransition,
  ): Promise<AccountRecord | null> {
    const data: Prisma.AccountProvisioningUpdateManyMutationInput = {
      state: to.state,
      ...(to.externalId !== undefined ? { externalId: to.externalId } : {}),
      ...(to.detail !== undefined ? { detail: to.detail as Prisma.InputJsonValue } : {}),
      ...(to.expiresAt !== undefined ? { expiresAt: to.expiresAt } : {}),
      ...(to.lastError !== undefined ? { lastError: to.lastError } : {}),
      // Recording an answer ends whatever attempt was under way.
      attemptClaimedAt: null,
    };
    const { count } = await this.db.accountProvisioning.updateMany({
      where: { id, state: { in: [...from] } },
      data,
    });
    return count === 0 ? null : this.get(id);
  }

  /**
   * Marks the grants applied (once); false when another caller already did, or the row stopped
   * being active meanwhile (its revocation and reason stay as they are).
   */
  async markGrantsApplied(id: string): Promise<boolean> {
    const { count } = await this.db.accountProvisioning.updateMany({
      where: { id, grantsAppliedAt: null, state: 'active' },
      data: { grantsAppliedAt: new Date(), lastError: null },
    });
    return count > 0;
  }

  /**
   * Takes the right to ask the platform for a `pending` row: one conditional update, so of
   * replicas trying one row at the same instant (an admin's retry, a reconcile pass) exactly one
   * goes on. A claim older than `staleMs` was left by a caller that died and is taken over.
   * Returns the row as claimed, or null when it is not pending or someone else is asking.
   */
  async claimAttempt(id: string, staleMs: number): Promise<AccountRecord | null> {
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      UPDATE account_provisioning SET attempt_claimed_at = now()
      WHERE id = ${id}::uuid AND state = 'pending'
        AND (attempt_claimed_at IS NULL
          OR attempt_claimed_at < now() - ${Math.round(staleMs)} * interval '1 millisecond')
      RETURNING id`;
    return rows.length === 0 ? null : this.get(id);
  }

  async recordError(id: string, message: string): Promise<void> {
    await this.db.accountProvisioning.update({ where: { id }, data: { lastError: message } });
  }

  async find(id: string): Promise<AccountRecord | null> {
    const row = await this.db.accountProvisioning.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  async get(id: string): Promise<AccountRecord> {
    const row = await this.db.accountProvisioning.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('account', id);
    return toRecord(row);
  }

  /**
   * The user's open request on the installation, else a new `pending` row. Serialized per
   * installation and user with a transaction-scoped advisory lock, so replicas racing on one
   * person make one row (and so one platform call).
   */
  async openOrCreate(input: {
    workspaceId: string;
    userId: string;
    installationId: string;
    channelType: string;
    grants: AccountGrant[];
    detail?: Record<string, unknown>;
  }): Promise<{ account: AccountRecord; created: boolean }> {
    return this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`account:${input.installationId}:${input.userId}`}))`;
      const open = await tx.accountProvisioning.findFirst({
        where: {
          installationId: input.installationId,
          userId: input.userId,
          state: { in: [...OPEN_ACCOUNT_STATES] },
        },
        orderBy: { createdAt: 'desc' },
      });
      if (open) return { account: toRecord(open), created: false };
      const row = await tx.accountProvisioning.create({
        data: {
          workspaceId: input.workspaceId,
          userId: input.userId,
          installationId: input.installationId,
          channelType: input.channelType,
          state: 'pending',
          grants: input.grants as unknown as Prisma.InputJsonValue,
          detail: (input.detail ?? {}) as Prisma.InputJsonValue,
          // Its creator asks the platform next: nobody else tries it meanwhile.
          attemptClaimedAt: new Date(),
        },
      });
      return { account: toRecord(row), created: true };
    }, TX_OPTIONS);
  }

  /** The user's request on this installation that is still open, if any. */
  async findOpen(installationId: string, userId: string): Promise<AccountRecord | null> {
    const row = await this.db.accountProvisioning.findFirst({
      where: { installationId, userId, state: { in: [...OPEN_ACCOUNT_STATES] } },
      orderBy: { createdAt: 'desc' },
    });
    return row ? toRecord(row) : null;
  }

  /** The invited row a platform event names by its pending id. */
  async findByPendingId(installationId: string, pendingId: string): Promise<AccountRecord | null> {
    const row = await this.db.accountProvisioning.findFirst({
      where: { installationId, externalId: pendingId },
      orderBy: { createdAt: 'desc' },
    });
    return row ? toRecord(row) : null;
  }

  /**
   * Rows of an installation or a workspace in the given states, oldest first, at most `limit`
   * (for reconcile passes and admin lists).
   */
  async listWhere(query: {
    installationId?: string;
    workspaceId?: string;
    states: readonly AccountState[];
    limit?: number;
  }): Promise<AccountRecord[]> {
    const rows = await this.db.accountProvisioning.findMany({
      where: {
        ...(query.installationId ? { installationId: query.installationId } : {}),
        ...(query.workspaceId ? { workspaceId: query.workspaceId } : {}),
        state: { in: [...query.states] },
      },
      orderBy: { createdAt: 'asc' },
      take: query.limit ?? 500,
    });
    return rows.map(toRecord);
  }

  /** Installations with rows in the given states (the reconcile job's work list). */
  async installationsWith(states: readonly AccountState[]): Promise<string[]> {
    const rows = await this.db.accountProvisioning.findMany({
      where: { state: { in: [...states] }, installationId: { not: null } },
      distinct: ['installationId'],
      select: { installationId: true },
    });
    return rows.flatMap((row) => (row.installationId ? [row.installationId] : []));
  }

  async list(workspaceId: string, userId: string): Promise<AccountRecord[]> {
    const rows = await this.db.accountProvisioning.findMany({
      where: { workspaceId, userId },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(toRecord);
  }
}
