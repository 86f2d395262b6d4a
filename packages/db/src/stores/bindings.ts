import { type Db, prismaRunner, type SqlRunner } from '../database/open.js';
import type { Prisma } from '../generated/prisma/client.js';

export interface UserBinding {
  installationId: string;
  channelType: string;
  channelUserId: string;
  userId: string;
  config: Record<string, unknown>;
  createdAt: Date;
}

/** Drops null and undefined so a merge never erases a stored value with "unknown". */
function definedOnly(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).filter(([, value]) => value !== null && value !== undefined),
  );
}

/** Platform users bound to hub users, and chats bound to agent sessions. */
export class BindingStore {
  readonly #hotSql: SqlRunner;

  /** `hotSql` runs the two per-message reads (PostgreSQL's worker pool); else they go through Prisma. */
  constructor(
    private readonly db: Db,
    hotSql?: SqlRunner,
  ) {
    this.#hotSql = hotSql ?? prismaRunner(db);
  }

  async find(installationId: string, channelUserId: string): Promise<UserBinding | null> {
    const row = await this.db.channelUserBinding.findUnique({
      where: { installationId_channelUserId: { installationId, channelUserId } },
    });
    return row ? { ...row, config: (row.config ?? {}) as Record<string, unknown> } : null;
  }

  /**
   * Binds (or re-binds) a channel user. Config is merged into what is stored; a null in the new
   * config never erases a stored value.
   */
  async bind(
    input: Omit<UserBinding, 'createdAt' | 'config'> & { config?: Record<string, unknown> },
    tx: Pick<Db, 'channelUserBinding'> = this.db,
  ): Promise<void> {
    const existing = await tx.channelUserBinding.findUnique({
      where: {
        installationId_channelUserId: {
          installationId: input.installationId,
          channelUserId: input.channelUserId,
        },
      },
      select: { config: true },
    });
    const config = {
      ...((existing?.config ?? {}) as Record<string, unknown>),
      ...definedOnly(input.config ?? {}),
    } as Prisma.InputJsonValue;
    await tx.channelUserBinding.upsert({
      where: {
        installationId_channelUserId: {
          installationId: input.installationId,
          channelUserId: input.channelUserId,
        },
      },
      create: {
        installationId: input.installationId,
        channelType: input.channelType,
        channelUserId: input.channelUserId,
        userId: input.userId,
        config,
      },
      update: { userId: input.userId, config },
    });
  }

  /**
   * Binds the channel user unless they are bound already; an existing binding is never changed
   * (automatic provisioning must not move somebody's binding). Answers who is bound afterwards.
   */
  async bindIfUnbound(
    input: Omit<UserBinding, 'createdAt' | 'config'> & { config?: Record<string, unknown> },
  ): Promise<{ created: boolean; userId: string }> {
    const created = await this.db.channelUserBinding.createMany({
      data: [
        {
          installationId: input.installationId,
          channelType: input.channelType,
          channelUserId: input.channelUserId,
          userId: input.userId,
          config: definedOnly(input.config ?? {}) as Prisma.InputJsonValue,
        },
      ],
      skipDuplicates: true,
    });
    const row = await this.db.channelUserBinding.findUnique({
      where: {
        installationId_channelUserId: {
          installationId: input.installationId,
          channelUserId: input.channelUserId,
        },
      },
      select: { userId: true },
    });
    if (!row) throw new Error('binding vanished while being created');
    return { created: created.count > 0, userId: row.userId };
  }

  /**
   * The bound user of a channel user and whether they are a member of `workspaceId`, in one
   * query (the hot path of every inbound message). Null when the channel user is not bound.
   */
  async findWithMembership(
    installationId: string,
    workspaceId: string,
    channelUserId: string,
  ): Promise<{ userId: string; username: string; isMember: boolean } | null> {
    const rows = await this.#hotSql<{ user_id: string; username: string; is_member: boolean }>(
      `SELECT b.user_id::text AS user_id, u.username, (m.user_id IS NOT NULL) AS is_member
       FROM channel_user_binding b
       JOIN "user" u ON u.id = b.user_id
       LEFT JOIN workspace_member m ON m.workspace_id = $2::uuid AND m.user_id = b.user_id
       WHERE b.installation_id = $1::uuid AND b.channel_user_id = $3`,
      [installationId, workspaceId, channelUserId],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, username: row.username, isMember: row.is_member } : null;
  }

  async remove(installationId: string, channelUserId: string): Promise<boolean> {
    const result = await this.db.channelUserBinding.deleteMany({ where: { installationId, channelUserId } });
    return result.count > 0;
  }

  async listForWorkspace(workspaceId: string): Promise<UserBinding[]> {
    const installations = await this.db.channelInstallation.findMany({
      where: { workspaceId },
      select: { id: true },
    });
    const rows = await this.db.channelUserBinding.findMany({
      where: { installationId: { in: installations.map((i) => i.id) } },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => ({ ...row, config: (row.config ?? {}) as Record<string, unknown> }));
  }

  /** The agent-side session a chat (or thread) continues, if the agent named one. */
  async sessionFor(installationId: string, channelChatId: string): Promise<string | null> {
    const rows = await this.#hotSql<{ session_id: string }>(
      `SELECT session_id FROM channel_chat_session_binding
       WHERE installation_id = $1::uuid AND channel_chat_id = $2`,
      [installationId, channelChatId],
    );
    return rows[0]?.session_id ?? null;
  }

  async bindSession(input: {
    installationId: string;
    channelType: string;
    channelChatId: string;
    sessionId: string;
  }): Promise<void> {
    await this.db.channelChatSessionBinding.upsert({
      where: {
        installationId_channelChatId: {
          installationId: input.installationId,
          channelChatId: input.channelChatId,
        },
      },
      create: input,
      update: { sessionId: input.sessionId },
    });
  }

  /** Deleting an agent session prunes every chat bound to it. */
  async removeSession(installationIds: string[], sessionId: string): Promise<number> {
    const result = await this.db.channelChatSessionBinding.deleteMany({
      where: { sessionId, installationId: { in: installationIds } },
    });
    return result.count;
  }
}
