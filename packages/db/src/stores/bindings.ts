import { Coalescer } from '../database/coalesce.js';
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
export interface BindingKey {
  installationId: string;
  workspaceId: string;
  channelUserId: string;
}

export interface BoundMember {
  userId: string;
  username: string;
  isMember: boolean;
}

export class BindingStore {
  readonly #hotSql: SqlRunner;
  // The two reads every delivered message makes: the workers' concurrent calls share a query.
  readonly #members = new Coalescer<BindingKey, BoundMember | null>((keys) =>
    this.findManyWithMembership(keys),
  );
  readonly #sessions = new Coalescer<{ installationId: string; channelChatId: string }, string | null>(
    (chats) => this.sessionsFor(chats),
  );

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
   * The bound user of a channel user and whether they are a member of `workspaceId` (the hot path
   * of every inbound message). Null when the channel user is not bound. Concurrent calls share
   * one query (`findManyWithMembership`).
   */
  findWithMembership(
    installationId: string,
    workspaceId: string,
    channelUserId: string,
  ): Promise<BoundMember | null> {
    return this.#members.call({ installationId, workspaceId, channelUserId });
  }

  /** `findWithMembership` for many senders in one query, answered in the order asked. */
  async findManyWithMembership(keys: BindingKey[]): Promise<Array<BoundMember | null>> {
    if (keys.length === 0) return [];
    const params: unknown[] = [];
    const tuples = keys.map((key, index) => {
      const n = params.push(index, key.installationId, key.workspaceId, key.channelUserId);
      return `($${n - 3}::int, $${n - 2}::uuid, $${n - 1}::uuid, $${n}::text)`;
    });
    const rows = await this.#hotSql<{ ord: number; user_id: string; username: string; is_member: boolean }>(
      `SELECT k.ord, b.user_id::text AS user_id, u.username, (m.user_id IS NOT NULL) AS is_member
       FROM (VALUES ${tuples.join(', ')}) AS k (ord, installation_id, workspace_id, channel_user_id)
       JOIN channel_user_binding b
         ON b.installation_id = k.installation_id AND b.channel_user_id = k.channel_user_id
       JOIN "user" u ON u.id = b.user_id
       LEFT JOIN workspace_member m ON m.workspace_id = k.workspace_id AND m.user_id = b.user_id`,
      params,
    );
    const found: Array<BoundMember | null> = keys.map(() => null);
    for (const row of rows) {
      found[Number(row.ord)] = { userId: row.user_id, username: row.username, isMember: row.is_member };
    }
    return found;
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
  /** The agent session bound to a chat, if any. Concurrent calls share one query (`sessionsFor`). */
  sessionFor(installationId: string, channelChatId: string): Promise<string | null> {
    return this.#sessions.call({ installationId, channelChatId });
  }

  /** `sessionFor` for many chats in one query, answered in the order asked. */
  async sessionsFor(
    chats: Array<{ installationId: string; channelChatId: string }>,
  ): Promise<Array<string | null>> {
    if (chats.length === 0) return [];
    const params: unknown[] = [];
    const tuples = chats.map((chat, index) => {
      const n = params.push(index, chat.installationId, chat.channelChatId);
      return `($${n - 2}::int, $${n - 1}::uuid, $${n}::text)`;
    });
    const rows = await this.#hotSql<{ ord: number; session_id: string }>(
      `SELECT k.ord, s.session_id
       FROM (VALUES ${tuples.join(', ')}) AS k (ord, installation_id, channel_chat_id)
       JOIN channel_chat_session_binding s
         ON s.installation_id = k.installation_id AND s.channel_chat_id = k.channel_chat_id`,
      params,
    );
    const sessions: Array<string | null> = chats.map(() => null);
    for (const row of rows) sessions[Number(row.ord)] = row.session_id;
    return sessions;
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
