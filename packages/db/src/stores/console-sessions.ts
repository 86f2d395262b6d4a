import { randomBytes } from 'node:crypto';
import type { Db } from '../database/open.js';
import { hashToken } from './api-tokens.js';
import type { MemberRole } from './members.js';

// Console cookies and sign-in links look unlike API tokens (`sb_…`), so a leaked one is
// recognisable and never accepted where the other is expected.
const SESSION_PREFIX = 'sbs_';
const LINK_PREFIX = 'sbl_';
const SESSION_PATTERN = /^sbs_[A-Za-z0-9_-]{43}$/;
const LINK_PATTERN = /^sbl_[A-Za-z0-9_-]{43}$/;
// Sessions record their last use at most this often, so a busy page costs no write per request.
const LAST_SEEN_RESOLUTION_MS = 60_000;

export type ConsoleSignInMethod = 'password' | 'link';

export interface ConsoleSessionPrincipal {
  sessionId: string;
  userId: string;
  username: string;
  /** How this session was signed in. */
  method: ConsoleSignInMethod;
  expiresAt: Date;
  memberships: Array<{ workspaceId: string; role: MemberRole }>;
}

export interface ConsoleSessionRecord {
  id: string;
  method: string;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const newToken = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;

/**
 * Console sign-in: one-time links, cookie sessions and the stored password hash. Tokens are
 * random (256 bits) and stored as SHA-256 only; the password hash is computed by the caller.
 */
export class ConsoleSessionStore {
  constructor(private readonly db: Db) {}

  async issueLoginLink(userId: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
    const token = newToken(LINK_PREFIX);
    const expiresAt = new Date(Date.now() + ttlMs);
    await this.db.consoleLoginLink.create({ data: { userId, tokenHash: hashToken(token), expiresAt } });
    return { token, expiresAt };
  }

  /**
   * Spends a sign-in link: the user id once, null for an unknown, used or expired link, or a
   * deactivated user. The conditional update makes two concurrent redemptions yield one winner.
   */
  async redeemLoginLink(token: string): Promise<string | null> {
    if (!LINK_PATTERN.test(token)) return null;
    const tokenHash = hashToken(token);
    const now = new Date();
    const spent = await this.db.consoleLoginLink.updateMany({
      where: { tokenHash, consumedAt: null, expiresAt: { gt: now } },
      data: { consumedAt: now },
    });
    if (spent.count !== 1) return null;
    const link = await this.db.consoleLoginLink.findUnique({
      where: { tokenHash },
      select: { user: { select: { id: true, status: true } } },
    });
    return link && link.user.status === 'active' ? link.user.id : null;
  }

  async create(input: {
    userId: string;
    method: ConsoleSignInMethod;
    ttlMs: number;
    userAgent?: string;
  }): Promise<{ id: string; token: string; expiresAt: Date }> {
    const token = newToken(SESSION_PREFIX);
    const expiresAt = new Date(Date.now() + input.ttlMs);
    const row = await this.db.consoleSession.create({
      data: {
        userId: input.userId,
        tokenHash: hashToken(token),
        method: input.method,
        userAgent: input.userAgent?.slice(0, 256) ?? null,
        expiresAt,
      },
      select: { id: true },
    });
    return { id: row.id, token, expiresAt };
  }

  /** True for strings shaped like a session token (cheap check before any query). */
  static isSessionToken(token: string): boolean {
    return SESSION_PATTERN.test(token);
  }

  /**
   * The user behind a live session, with memberships read now (a removed member loses access on
   * their next request); null for an unknown, revoked or expired session or a deactivated user.
   */
  async authenticate(token: string): Promise<ConsoleSessionPrincipal | null> {
    if (!SESSION_PATTERN.test(token)) return null;
    const row = await this.db.consoleSession.findUnique({
      where: { tokenHash: hashToken(token) },
      select: {
        id: true,
        method: true,
        expiresAt: true,
        revokedAt: true,
        lastSeenAt: true,
        user: {
          select: {
            id: true,
            username: true,
            status: true,
            memberships: { select: { workspaceId: true, role: true } },
          },
        },
      },
    });
    const now = Date.now();
    if (!row || row.revokedAt || row.expiresAt.getTime() <= now || row.user.status !== 'active') return null;
    if (now - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
      await this.db.consoleSession.update({ where: { id: row.id }, data: { lastSeenAt: new Date(now) } });
    }
    return {
      sessionId: row.id,
      userId: row.user.id,
      username: row.user.username,
      method: row.method === 'password' ? 'password' : 'link',
      expiresAt: row.expiresAt,
      memberships: row.user.memberships.map((m) => ({ workspaceId: m.workspaceId, role: m.role })),
    };
  }

  /** Ends one session of this user (false when it is not theirs or already ended). */
  async revoke(userId: string, sessionId: string): Promise<boolean> {
    const ended = await this.db.consoleSession.updateMany({
      where: { id: sessionId, userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return ended.count === 1;
  }

  /** Ends every session of a user (a password change signs out the other browsers). */
  async revokeAll(userId: string, options: { except?: string } = {}): Promise<number> {
    const ended = await this.db.consoleSession.updateMany({
      where: { userId, revokedAt: null, ...(options.except ? { id: { not: options.except } } : {}) },
      data: { revokedAt: new Date() },
    });
    return ended.count;
  }

  /** The user's live sessions, newest first. */
  listLive(userId: string): Promise<ConsoleSessionRecord[]> {
    return this.db.consoleSession.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { createdAt: 'desc' },
      take: 50,
      select: {
        id: true,
        method: true,
        userAgent: true,
        createdAt: true,
        lastSeenAt: true,
        expiresAt: true,
        revokedAt: true,
      },
    });
  }

  /** The stored password hash of an active user, by username (null: no such user or no password). */
  async passwordOf(username: string): Promise<{ userId: string; passwordHash: string | null } | null> {
    const user = await this.db.user.findUnique({
      where: { username },
      select: { id: true, status: true, passwordHash: true },
    });
    return user && user.status === 'active' ? { userId: user.id, passwordHash: user.passwordHash } : null;
  }

  async passwordHashOf(userId: string): Promise<string | null> {
    const user = await this.db.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
    return user?.passwordHash ?? null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.user.update({ where: { id: userId }, data: { passwordHash } });
  }
}
