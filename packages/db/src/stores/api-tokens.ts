import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../database/open.js';
import type { MemberRole } from './members.js';

// Opaque tokens with a recognisable prefix so secret scanners can find leaked ones. Only the
// SHA-256 of a token is stored: a database dump does not reveal working credentials. (A fast
// hash is right here: the token has 256 bits of entropy, so there is nothing to brute-force.)
const TOKEN_PREFIX = 'sb_';
const TOKEN_PATTERN = /^sb_[A-Za-z0-9_-]{43}$/;
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedToken {
  id: string;
  /** Shown once; never stored or retrievable again. */
  token: string;
  prefix: string;
}

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
    expiresAt?: Date;
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
        expiresAt: input.expiresAt ?? null,
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
    const memberships = row.user.memberships.filter(
      (m) => row.workspaceId === null || m.workspaceId === row.workspaceId,
    );
    return { tokenId: row.id, userId: row.user.id, username: row.user.username, memberships };
  }

  async revoke(tokenId: string): Promise<void> {
    await this.db.apiToken.updateMany({
      where: { id: tokenId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }
}
