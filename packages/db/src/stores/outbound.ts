import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import type { Prisma } from '../generated/prisma/client.js';
import { normalizeForDatabase } from './normalize-text.js';

// Outbound messages are queued before anyone is told "accepted", and sent by workers. Invariants:
// - (installation, idempotency key) is unique: re-submitting a reply returns the first record and
//   sends nothing new;
// - the messages of one chat go out in the order they were accepted (`chat_seq`, one at a time);
// - claims are fenced by a token, like the inbox.

export type OutboundStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** What the platform reported after the send; see `OutboundStore.recordDeliveryState`. */
export type OutboundDeliveryState = 'sent' | 'delivered' | 'read' | 'failed';

export interface OutboundRecord {
  id: string;
  installationId: string;
  channelType: string;
  channelChatId: string;
  idempotencyKey: string;
  platformMessageId: string | null;
  status: OutboundStatus;
  lastError: string | null;
  attempts: number;
  updateOfId: string | null;
  /** Position among the chat's outbound messages (monotonic per chat), as text; null for old rows. */
  chatSeq: string | null;
  /** The platform's latest report (status events), null before any. */
  deliveryState: OutboundDeliveryState | null;
  deliveryErrorCode: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface OutboundListQuery {
  /** The workspace's installations: only their messages are read. */
  installationIds: string[];
  installationId?: string;
  status?: OutboundStatus;
  limit: number;
  before?: { createdAt: Date; id: string };
}

export interface ClaimedOutbound extends OutboundRecord {
  payload: unknown;
  claimToken: string;
  /** The platform id of the message this row edits, when `updateOfId` is set and it was sent. */
  updateOfPlatformMessageId: string | null;
}

const select = {
  id: true,
  installationId: true,
  channelType: true,
  channelChatId: true,
  idempotencyKey: true,
  platformMessageId: true,
  status: true,
  lastError: true,
  attempts: true,
  updateOfId: true,
  chatSeq: true,
  deliveryState: true,
  deliveryErrorCode: true,
  createdAt: true,
  sentAt: true,
} as const;

type Row = Prisma.ChannelOutboundMessageGetPayload<{ select: typeof select }>;
const toRecord = (row: Row): OutboundRecord => ({
  ...row,
  status: row.status as OutboundStatus,
  deliveryState: row.deliveryState as OutboundDeliveryState | null,
  chatSeq: row.chatSeq === null ? null : row.chatSeq.toString(),
});

export class OutboundStore {
  constructor(private readonly db: Db) {}

  /** Queues a message; returns the existing record (created: false) for a repeated idempotency key. */
  async enqueue(input: {
    installationId: string;
    channelType: string;
    channelChatId: string;
    idempotencyKey: string;
    payload: unknown;
    updateOfId?: string;
  }): Promise<{ record: OutboundRecord; created: boolean }> {
    // The chat's next sequence number comes from its locked sequence row, in the same statement,
    // so messages of one chat commit (and go out) in the order they were accepted, even when two
    // arrive in the same millisecond or on different replicas.
    const payload = normalizeForDatabase(input.payload).value;
    const inserted = await this.db.$queryRaw<Array<{ id: string }>>`
      WITH seq AS (
        INSERT INTO channel_conversation_sequence AS s (scope, installation_id, conversation_key, last_seq)
        VALUES ('outbound', ${input.installationId}::uuid, ${input.channelChatId}, 1)
        ON CONFLICT (scope, installation_id, conversation_key) DO UPDATE SET last_seq = s.last_seq + 1
        RETURNING s.last_seq)
      INSERT INTO channel_outbound_message
        (id, installation_id, channel_type, channel_chat_id, idempotency_key, payload, update_of_id, updated_at, chat_seq)
      SELECT gen_random_uuid(), ${input.installationId}::uuid, ${input.channelType}, ${input.channelChatId},
              ${input.idempotencyKey}, ${JSON.stringify(payload)}::jsonb, ${input.updateOfId ?? null}::uuid, now(), seq.last_seq
      FROM seq
      ON CONFLICT (installation_id, idempotency_key) DO NOTHING
      RETURNING id::text AS id`;
    const record = await this.db.channelOutboundMessage.findUnique({
      where: {
        installationId_idempotencyKey: {
          installationId: input.installationId,
          idempotencyKey: input.idempotencyKey,
        },
      },
      select,
    });
    if (!record) throw new NotFoundError('outbound message', input.idempotencyKey);
    return { record: toRecord(record), created: inserted.length === 1 };
  }

  async get(installationId: string, id: string): Promise<OutboundRecord> {
    const row = await this.db.channelOutboundMessage.findFirst({ where: { id, installationId }, select });
    if (!row) throw new NotFoundError('outbound message', id);
    return toRecord(row);
  }

  /** Claims due rows, at most one per chat (the oldest unsent), plus rows whose claim went stale. */
  async claim(limit: number, staleAfterMs: number): Promise<ClaimedOutbound[]> {
    const token = randomUUID();
    const claimed = await this.db.$queryRaw<Array<{ id: string }>>`
      WITH picked AS (
        SELECT o.id FROM channel_outbound_message o
        WHERE ((o.status = 'pending' AND o.next_attempt_at <= now())
            OR (o.status = 'sending' AND o.claimed_at < now() - ${staleAfterMs} * interval '1 millisecond'))
          AND NOT EXISTS (
            SELECT 1 FROM channel_outbound_message e
            WHERE e.installation_id = o.installation_id AND e.channel_chat_id = o.channel_chat_id
              AND e.status IN ('pending', 'sending')
              AND e.chat_seq < o.chat_seq)
        ORDER BY o.created_at
        LIMIT ${limit}
        FOR UPDATE OF o SKIP LOCKED)
      UPDATE channel_outbound_message t
      SET status = 'sending', claim_token = ${token}, claimed_at = now(), attempts = t.attempts + 1,
          updated_at = now()
      FROM picked WHERE t.id = picked.id
      RETURNING t.id::text AS id`;
    if (claimed.length === 0) return [];
    const rows = await this.db.channelOutboundMessage.findMany({
      where: { id: { in: claimed.map((row) => row.id) } },
      select: { ...select, payload: true },
      orderBy: { chatSeq: 'asc' },
    });
    const targets = await this.db.channelOutboundMessage.findMany({
      where: { id: { in: rows.flatMap((row) => (row.updateOfId ? [row.updateOfId] : [])) } },
      select: { id: true, platformMessageId: true },
    });
    const platformIds = new Map(targets.map((target) => [target.id, target.platformMessageId]));
    return rows.map((row) => ({
      ...toRecord(row),
      payload: row.payload,
      claimToken: token,
      updateOfPlatformMessageId: row.updateOfId ? (platformIds.get(row.updateOfId) ?? null) : null,
    }));
  }

  /** Renews the lease of rows still being sent (see InboxStore.heartbeat). */
  async heartbeat(rows: Array<Pick<ClaimedOutbound, 'id' | 'claimToken'>>): Promise<number> {
    if (rows.length === 0) return 0;
    return this.db.$executeRawUnsafe(
      `UPDATE channel_outbound_message SET claimed_at = now()
       WHERE status = 'sending' AND (id, claim_token) IN (${rows.map((_, i) => `($${2 * i + 1}::uuid, $${2 * i + 2}::text)`).join(', ')})`,
      ...rows.flatMap((row) => [row.id, row.claimToken]),
    );
  }

  async markSent(
    row: Pick<ClaimedOutbound, 'id' | 'claimToken'>,
    platformMessageId: string,
  ): Promise<boolean> {
    const count = await this.db.$executeRaw`
      UPDATE channel_outbound_message
      SET status = 'sent', platform_message_id = ${platformMessageId}, sent_at = now(), claim_token = NULL,
          last_error = NULL, updated_at = now()
      WHERE id = ${row.id}::uuid AND claim_token = ${row.claimToken} AND status = 'sending'`;
    return count === 1;
  }

  async retryLater(
    row: Pick<ClaimedOutbound, 'id' | 'claimToken'>,
    delayMs: number,
    error: string,
  ): Promise<boolean> {
    const count = await this.db.$executeRaw`
      UPDATE channel_outbound_message
      SET status = 'pending', claim_token = NULL, claimed_at = NULL, last_error = ${error}, updated_at = now(),
          next_attempt_at = now() + ${Math.max(0, Math.round(delayMs))} * interval '1 millisecond'
      WHERE id = ${row.id}::uuid AND claim_token = ${row.claimToken} AND status = 'sending'`;
    return count === 1;
  }

  async fail(row: Pick<ClaimedOutbound, 'id' | 'claimToken'>, error: string): Promise<boolean> {
    const count = await this.db.$executeRaw`
      UPDATE channel_outbound_message
      SET status = 'failed', claim_token = NULL, last_error = ${error}, updated_at = now()
      WHERE id = ${row.id}::uuid AND claim_token = ${row.claimToken} AND status = 'sending'`;
    return count === 1;
  }

  /**
   * Records a platform's status report on a sent message, found by the id the platform answered.
   * A state never moves backwards (sent < delivered < read); `failed` replaces sent or delivered
   * and keeps the platform's code, and nothing replaces failed or read. Null when no message of
   * the installation has that platform id; else the record and whether this report changed it.
   */
  async recordDeliveryState(input: {
    installationId: string;
    platformMessageId: string;
    state: OutboundDeliveryState;
    errorCode?: string;
    at: Date;
  }): Promise<{ record: OutboundRecord; changed: boolean } | null> {
    const code = input.state === 'failed' ? (input.errorCode ?? null) : null;
    // One statement, so two reports racing cannot write a lower state after a higher one.
    const updated = await this.db.$queryRaw<Array<{ id: string }>>`
      UPDATE channel_outbound_message
      SET delivery_state = ${input.state}, delivery_error_code = ${code},
          delivery_state_at = ${input.at}, updated_at = now()
      WHERE installation_id = ${input.installationId}::uuid
        AND platform_message_id = ${input.platformMessageId} AND update_of_id IS NULL
        AND (CASE COALESCE(delivery_state, '') WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2
               WHEN 'read' THEN 3 WHEN 'failed' THEN 3 ELSE 0 END)
          < (CASE ${input.state}::text WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 ELSE 3 END)
      RETURNING id::text AS id`;
    const row = await this.db.channelOutboundMessage.findFirst({
      where: {
        installationId: input.installationId,
        platformMessageId: input.platformMessageId,
        updateOfId: null,
      },
      orderBy: { createdAt: 'asc' },
      select,
    });
    return row ? { record: toRecord(row), changed: updated.length > 0 } : null;
  }

  /**
   * Records that an outbound message of the installation went out as `platformMessageId`, learnt
   * from the platform's status rather than from the send's answer (lost on the wire, or the
   * sender crashed before recording it). Only a message with no platform id yet is changed, and
   * one still being sent loses its claim: its sender's late result changes nothing, and a claim
   * gone stale is not taken over to post it again. True when the record changed.
   */
  async adoptPlatformMessageId(input: {
    installationId: string;
    id: string;
    platformMessageId: string;
  }): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.id)) return false;
    const count = await this.db.$executeRaw`
      UPDATE channel_outbound_message
      SET status = 'sent', platform_message_id = ${input.platformMessageId}, sent_at = now(),
          claim_token = NULL, last_error = NULL, updated_at = now()
      WHERE id = ${input.id}::uuid AND installation_id = ${input.installationId}::uuid
        AND platform_message_id IS NULL AND update_of_id IS NULL
        AND status IN ('pending', 'sending', 'failed')`;
    return count === 1;
  }

  /**
   * The outbound messages of a workspace's installations, newest first (created, then id), for
   * people looking at what was sent; `before` is the (createdAt, id) of the last row of the
   * previous page.
   */
  async listForWorkspace(query: OutboundListQuery): Promise<OutboundRecord[]> {
    const rows = await this.db.channelOutboundMessage.findMany({
      where: {
        installationId: query.installationId
          ? { in: query.installationIds.filter((id) => id === query.installationId) }
          : { in: query.installationIds },
        ...(query.status ? { status: query.status } : {}),
        ...(query.before
          ? {
              OR: [
                { createdAt: { lt: query.before.createdAt } },
                { createdAt: query.before.createdAt, id: { lt: query.before.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit,
      select,
    });
    return rows.map(toRecord);
  }

  /** When the installation last sent something successfully. */
  async lastSentAt(installationId: string): Promise<Date | null> {
    const row = await this.db.channelOutboundMessage.aggregate({
      where: { installationId, status: 'sent' },
      _max: { sentAt: true },
    });
    return row._max.sentAt;
  }
}
