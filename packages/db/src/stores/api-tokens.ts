import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import type { MemberRole } from './members.js';

// Opaque tokens with a recognisable prefix so secret scanners can find leaked ones. Only the
// SHA-256 of a token is stored: a database dump does not reveal working credentials. (A fast
// hash is right here: the token has 256 bits of entropy, so there is nothing to brute-force.)
const TOKEN_PREFIX = 'sb_';
const TOKEN_PATTERN = /^sb_[A-Za-z0-9_-]{43}$/;
const LAST_USED_RESOLUTION_MS = 60_000;
/** Tokens expire unless the issuer says otherwise. */
export const DEFAULT_TOKEN_DAYS = 90;
const DAY_MS = 86_400_000;
const RANK: Record<MemberRole, number> = { member: 0, admin: 1, owner: 2 };

/** The lower of two roles: a token never acts above its member's role. */
export function cappedRole(memberRole: MemberRole, cap: MemberRole | null): MemberRole {
  return cap !== null && RANK[cap] < RANK[memberRole] ? cap : memberRole;
}

/** True when `role` is not above `limit`. */
export function roleWithin(role: MemberRole, limit: MemberRole): boolean {
  return RANK[role] <= RANK[limit];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedToken {
  id: string;
  /** Shown once; never stored or retrievable again. */
  token: string;
  prefix: string;
}

/** A token as a list shows it: never the token or its hash. */
export interface TokenRecord {
  id: string;
  prefix: string;
  name: string;
  userId: string;
  workspaceId: string | null;
  role: MemberRole | null;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
}

const tokenSelect = {
  id: true,
  prefix: true,
  name: true,
  userId: true,
  workspaceId: true,
  role: true,
  lastUsedAt: true,
  expiresAt: true,
  createdAt: true,
  revokedAt: true,
} as const;

export interface TokenPrincipal {
  tokenId: string;
  userId: string;
  username: string;
  memberships: Array<{ workspaceId: string; role: MemberRole }>;
}

export class ApiTokenStore {
  constructor(private readonly db: Db) {}

  async issue(input: {
    userId: string;
    workspaceId?: string;
    name?: string;
    /** Caps the member's role for this token; absent: the member's role. */
    role?: MemberRole;
    /** Absent: DEFAULT_TOKEN_DAYS from now; null: never expires (the operator's choice only). */
    expiresAt?: Date | null;
  }): Promise<IssuedToken> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const prefix = token.slice(0, 10);
    const row = await this.db.apiToken.create({
      data: {
        userId: input.userId,
        workspaceId: input.workspaceId ?? null,
        name: input.name ?? 'default',
        tokenHash: hashToken(token),
        prefix,
        role: input.role ?? null,
        expiresAt:
          input.expiresAt === undefined
            ? new Date(Date.now() + DEFAULT_TOKEN_DAYS * DAY_MS)
            : input.expiresAt,
      },
      select: { id: true },
    });
    return { id: row.id, token, prefix };
  }

  /**
   * Resolves a presented token to its user and the memberships it may act under. Membership is
   * read live on every call: removing a member takes effect on their next request.
   */
  async authenticate(token: string): Promise<TokenPrincipal | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const row = await this.db.apiToken.findUnique({
      where: { tokenHash: hashToken(token) },
      select: {
        id: true,
        workspaceId: true,
        role: true,
        revokedAt: true,
        expiresAt: true,
        lastUsedAt: true,
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
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
    if (row.user.status !== 'active') return null;
    if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
    }
    const memberships = row.user.memberships
      .filter((m) => row.workspaceId === null || m.workspaceId === row.workspaceId)
      .map((m) => ({ workspaceId: m.workspaceId, role: cappedRole(m.role, row.role) }));
    return { tokenId: row.id, userId: row.user.id, username: row.user.username, memberships };
  }

  async revoke(tokenId: string): Promise<void> {
    await this.db.apiToken.updateMany({
      where: { id: tokenId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }

  /** One token of a workspace (`NotFoundError` for another workspace's or an unknown id). */
  async get(workspaceId: string, tokenId: string): Promise<TokenRecord> {
    const row = await this.db.apiToken.findFirst({
      where: { id: tokenId, workspaceId },
      select: tokenSelect,
    });
    if (!row) throw new NotFoundError('token', tokenId);
    return row;
  }

  /** Tokens scoped to a workspace (optionally one user's), newest first, keyset-paginated by id. */
  async list(
    workspaceId: string,
    options: { userId?: string; limit: number; cursor?: string },
  ): Promise<{ items: TokenRecord[]; nextCursor: string | null }> {
    const rows = await this.db.apiToken.findMany({
      where: { workspaceId, ...(options.userId ? { userId: options.userId } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit + 1,
      ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
      select: tokenSelect,
    });
    const items = rows.slice(0, options.limit);
    return { items, nextCursor: rows.length > options.limit ? (items.at(-1)?.id ?? null) : null };
  }
}
