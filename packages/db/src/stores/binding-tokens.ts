import { randomBytes } from 'node:crypto';
import type { Db } from '../database/open.js';
import { hashToken } from './api-tokens.js';
import type { BindingStore } from './bindings.js';

// Binding tokens let a platform user prove they are a hub user: the hub sends a link to the
// platform user, the hub user redeems it while signed in. Invariants:
// - only the SHA-256 of the token is stored; the token has 256 random bits;
// - expiry is computed by the database clock, so replicas with skewed clocks agree;
// - single use: consuming happens in the same transaction that binds, under a row lock;
// - the identity that redeems is the authenticated caller, never something in the token;
// - a 409 (bound to someone else) or 403 (not a member) does not burn the token;
// - redeemed within a workspace (the console's form), a token of another workspace's installation
//   answers as unknown and stays usable: the page a member is on never binds elsewhere.

export const BINDING_TOKEN_TTL_SECONDS = 15 * 60;
/** At most one live token per channel user per this many seconds (no link spam). */
export const BINDING_TOKEN_MIN_INTERVAL_SECONDS = 60;

export type IssueResult = { status: 'issued'; token: string; expiresAt: Date } | { status: 'throttled' };

export type RedeemResult =
  | { status: 'bound'; workspaceId: string; installationId: string; channelUserId: string }
  | { status: 'gone' }
  | { status: 'conflict' }
  | { status: 'not_member' };

export class BindingTokenStore {
  constructor(
    private readonly db: Db,
    private readonly bindings: BindingStore,
  ) {}

  async issue(input: {
    installationId: string;
    channelType: string;
    channelUserId: string;
  }): Promise<IssueResult> {
    const token = `sbl_${randomBytes(32).toString('base64url')}`;
    return this.db.$transaction(async (tx) => {
      // Serializes issuers for one channel user, so two concurrent messages cannot both pass the
      // "none in the last minute" check.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`${input.installationId}:${input.channelUserId}`}))`;
      const recent = await tx.$queryRaw<Array<{ n: bigint }>>`
        SELECT count(*) AS n FROM channel_binding_token
        WHERE installation_id = ${input.installationId}::uuid AND channel_user_id = ${input.channelUserId}
          AND consumed_at IS NULL AND expires_at > now()
          AND created_at > now() - ${BINDING_TOKEN_MIN_INTERVAL_SECONDS} * interval '1 second'`;
      if (Number(recent[0]?.n ?? 0) > 0) return { status: 'throttled' } as const;
      const rows = await tx.$queryRaw<Array<{ expires_at: Date }>>`
        INSERT INTO channel_binding_token
          (id, token_hash, installation_id, channel_type, channel_user_id, expires_at, created_at)
        VALUES (gen_random_uuid(), ${hashToken(token)}, ${input.installationId}::uuid, ${input.channelType},
                ${input.channelUserId}, now() + ${BINDING_TOKEN_TTL_SECONDS} * interval '1 second', now())
        RETURNING expires_at`;
      const expiresAt = rows[0]?.expires_at;
      if (!expiresAt) throw new Error('binding token insert returned no row');
      return { status: 'issued', token, expiresAt } as const;
    });
  }

  async redeem(token: string, userId: string, scope: { workspaceId?: string } = {}): Promise<RedeemResult> {
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        Array<{ id: string; installation_id: string; channel_type: string; channel_user_id: string }>
      >`
        SELECT id::text AS id, installation_id::text AS installation_id, channel_type, channel_user_id
        FROM channel_binding_token
        WHERE token_hash = ${hashToken(token)} AND consumed_at IS NULL AND expires_at > now()
        FOR UPDATE`;
      const found = rows[0];
      if (!found) return { status: 'gone' } as const;
      const installation = await tx.channelInstallation.findUnique({
        where: { id: found.installation_id },
        select: { workspaceId: true, status: true },
      });
      if (installation?.status !== 'active') return { status: 'gone' } as const;
      if (scope.workspaceId !== undefined && installation.workspaceId !== scope.workspaceId)
        return { status: 'gone' } as const;
      const member = await tx.workspaceMember.findUnique({
        where: { workspaceId_userId: { workspaceId: installation.workspaceId, userId } },
        select: { userId: true },
      });
      if (!member) return { status: 'not_member' } as const;
      const existing = await tx.channelUserBinding.findUnique({
        where: {
          installationId_channelUserId: {
            installationId: found.installation_id,
            channelUserId: found.channel_user_id,
          },
        },
        select: { userId: true },
      });
      if (existing && existing.userId !== userId) return { status: 'conflict' } as const;
      await this.bindings.bind(
        {
          installationId: found.installation_id,
          channelType: found.channel_type,
          channelUserId: found.channel_user_id,
          userId,
        },
        tx,
      );
      await tx.$executeRaw`
        UPDATE channel_binding_token SET consumed_at = now(), consumed_by_user_id = ${userId}::uuid
        WHERE id = ${found.id}::uuid`;
      return {
        status: 'bound',
        workspaceId: installation.workspaceId,
        installationId: found.installation_id,
        channelUserId: found.channel_user_id,
      } as const;
    });
  }
}
