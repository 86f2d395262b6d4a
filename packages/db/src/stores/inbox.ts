import { randomUUID } from 'node:crypto';
import { type Db, prismaRunner, type SqlRunner } from '../database/open.js';
import type { AuditEntry } from './audit.js';

// The dedup table is also the durable inbox. Invariants:
// - A row is inserted before the platform gets its acknowledgement; a conflict on
//   (installation_id, platform_event_id) is a duplicate and inserts nothing.
// - Workers take only the oldest unfinished row of a conversation, so one conversation is handled
//   in arrival order while different conversations run in parallel.
// - A claim carries a random token; finishing or rescheduling is fenced on it, so a row that was
//   reclaimed after its worker stalled cannot be finished twice.

export interface InboxInsert {
  installationId: string;
  channelType: string;
  platformEventId: string;
  /** Rows sharing a key are processed one at a time, oldest first; null means "no ordering". */
  conversationKey: string | null;
  payload: unknown;
}

export interface ClaimedInboxRow {
  /** The bigserial id, as text (drivers disagree on how to return int8). */
  id: string;
  installationId: string;
  channelType: string;
  platformEventId: string;
  conversationKey: string | null;
  payload: unknown;
  /** Including the current one. */
  attempts: number;
  deliveryId: string;
  claimToken: string;
  firstSeenAt: Date;
}

export interface InboxBacklog {
  pending: number;
  deadLetters: number;
  lastInboundAt: Date | null;
}

export interface DeadLetter {
  id: string;
  deliveryId: string;
  installationId: string;
  channelType: string;
  platformEventId: string;
  attempts: number;
  lastError: string | null;
  firstSeenAt: Date;
  finishedAt: Date | null;
}

/** Identifies an insert in the set `insertMany` returns. */
export function inboxKey(installationId: string, platformEventId: string): string {
  return `${installationId}\u0000${platformEventId}`;
}

export class InboxStore {
  readonly #insertSql: SqlRunner;
  readonly #workerSql: SqlRunner;

  /**
   * The hot statements (insert, claim, finish, reschedule) are plain positional SQL, so they run
   * on PostgreSQL's dedicated pools when given (no ORM on the hot path, no queueing behind other
   * queries) and through Prisma otherwise (PGlite). Everything else uses Prisma.
   */
  constructor(
    private readonly db: Db,
    runners: { ingressSql?: SqlRunner; workerSql?: SqlRunner } = {},
  ) {
    this.#insertSql = runners.ingressSql ?? prismaRunner(db);
    this.#workerSql = runners.workerSql ?? prismaRunner(db);
  }

  /**
   * Inserts every row in one statement and returns the keys (`inboxKey`) that were new; the rest
   * were already recorded. Callers pass distinct keys.
   */
  async insertMany(rows: InboxInsert[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const params: unknown[] = [];
    const tuples = rows.map((row) => {
      const n = params.push(
        row.installationId,
        row.channelType,
        row.platformEventId,
        row.conversationKey,
        JSON.stringify(row.payload),
      );
      return `($${n - 4}::uuid, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::jsonb)`;
    });
    const inserted = await this.#insertSql<{ installation_id: string; platform_event_id: string }>(
      `INSERT INTO channel_inbound_message_dedup
         (installation_id, channel_type, platform_event_id, conversation_key, payload)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (installation_id, platform_event_id) DO NOTHING
       RETURNING installation_id::text AS installation_id, platform_event_id`,
      params,
    );
    return new Set(inserted.map((row) => inboxKey(row.installation_id, row.platform_event_id)));
  }

  /**
   * Claims up to `limit` rows that are due: pending rows whose time has come, and rows whose
   * claim is older than `staleAfterMs` (their worker died). Only the head of each conversation.
   */
  async claim(limit: number, staleAfterMs: number): Promise<ClaimedInboxRow[]> {
    const token = randomUUID();
    const rows = await this.#workerSql<{
      id: string;
      installation_id: string;
      channel_type: string;
      platform_event_id: string;
      conversation_key: string | null;
      payload: unknown;
      attempts: number;
      delivery_id: string;
      first_seen_at: Date;
    }>(
      `WITH picked AS (
         SELECT d.id FROM channel_inbound_message_dedup d
         WHERE d.state IN ('pending', 'processing')
           AND ((d.state = 'pending' AND d.next_attempt_at <= now())
             OR (d.state = 'processing' AND d.claimed_at < now() - $1::int * interval '1 millisecond'))
           AND NOT EXISTS (
             SELECT 1 FROM channel_inbound_message_dedup e
             WHERE e.installation_id = d.installation_id
               AND e.conversation_key = d.conversation_key
               AND e.state IN ('pending', 'processing')
               AND e.id < d.id)
         ORDER BY d.id
         LIMIT $2::int
         FOR UPDATE OF d SKIP LOCKED)
       UPDATE channel_inbound_message_dedup t
       SET state = 'processing', claim_token = $3, claimed_at = now(), attempts = t.attempts + 1
       FROM picked WHERE t.id = picked.id
       RETURNING t.id::text AS id, t.installation_id::text AS installation_id, t.channel_type,
         t.platform_event_id, t.conversation_key, t.payload, t.attempts,
         t.delivery_id::text AS delivery_id, t.first_seen_at`,
      [Math.round(staleAfterMs), limit, token],
    );
    return rows
      .map((row) => ({
        id: row.id,
        installationId: row.installation_id,
        channelType: row.channel_type,
        platformEventId: row.platform_event_id,
        conversationKey: row.conversation_key,
        payload: row.payload,
        attempts: row.attempts,
        deliveryId: row.delivery_id,
        claimToken: token,
        firstSeenAt: new Date(row.first_seen_at),
      }))
      .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  /**
   * Ends a claimed row (`done`, or `failed` = dead letter) and, in the same statement, writes its
   * audit row, so a decision is never recorded without its audit or the other way round. False
   * (and no audit) when the claim was lost.
   */
  async finish(
    row: Pick<ClaimedInboxRow, 'id' | 'claimToken'>,
    outcome: { state: 'done' | 'failed'; error?: string },
    audit: AuditEntry,
  ): Promise<boolean> {
    const finished = await this.#workerSql<{ id: string }>(
      `WITH finished AS (
         UPDATE channel_inbound_message_dedup
         SET state = $3::inbox_state, finished_at = now(), claim_token = NULL, last_error = $4
         WHERE id = $1::bigint AND claim_token = $2 AND state = 'processing'
         RETURNING id),
       audited AS (
         INSERT INTO channel_inbound_audit
           (installation_id, workspace_id, channel_type, platform_event_id, reason, channel_user_id, user_id, detail)
         SELECT $5::uuid, $6::uuid, $7, $8, $9, $10, $11::uuid, $12::jsonb FROM finished)
       SELECT id::text AS id FROM finished`,
      [
        row.id,
        row.claimToken,
        outcome.state,
        outcome.error ?? null,
        audit.installationId,
        audit.workspaceId,
        audit.channelType,
        audit.platformEventId ?? null,
        audit.reason,
        audit.channelUserId ?? null,
        audit.userId ?? null,
        audit.detail === undefined ? null : JSON.stringify(audit.detail),
      ],
    );
    return finished.length === 1;
  }

  /** Puts a claimed row back to pending, due after `delayMs` (database clock). */
  async retryLater(
    row: Pick<ClaimedInboxRow, 'id' | 'claimToken'>,
    delayMs: number,
    error: string,
  ): Promise<boolean> {
    const updated = await this.#workerSql<{ id: string }>(
      `UPDATE channel_inbound_message_dedup
       SET state = 'pending', claim_token = NULL, claimed_at = NULL, last_error = $3,
           next_attempt_at = now() + $4::int * interval '1 millisecond'
       WHERE id = $1::bigint AND claim_token = $2 AND state = 'processing'
       RETURNING id::text AS id`,
      [row.id, row.claimToken, error, Math.max(0, Math.round(delayMs))],
    );
    return updated.length === 1;
  }

  async backlog(installationId: string): Promise<InboxBacklog> {
    const [row] = await this.db.$queryRaw<
      Array<{ pending: bigint; dead_letters: bigint; last_inbound_at: Date | null }>
    >`
      SELECT count(*) FILTER (WHERE state IN ('pending', 'processing')) AS pending,
             count(*) FILTER (WHERE state = 'failed') AS dead_letters,
             max(first_seen_at) AS last_inbound_at
      FROM channel_inbound_message_dedup WHERE installation_id = ${installationId}::uuid`;
    return {
      pending: Number(row?.pending ?? 0),
      deadLetters: Number(row?.dead_letters ?? 0),
      lastInboundAt: row?.last_inbound_at ?? null,
    };
  }

  /** Dead-lettered events of the given installations, newest first. */
  async deadLetters(installationIds: string[], limit: number): Promise<DeadLetter[]> {
    if (installationIds.length === 0) return [];
    const rows = await this.db.channelInboundMessageDedup.findMany({
      where: { installationId: { in: installationIds }, state: 'failed' },
      orderBy: { id: 'desc' },
      take: limit,
      select: {
        id: true,
        deliveryId: true,
        installationId: true,
        channelType: true,
        platformEventId: true,
        attempts: true,
        lastError: true,
        firstSeenAt: true,
        finishedAt: true,
      },
    });
    return rows.map((row) => ({ ...row, id: row.id.toString() }));
  }

  /** Sends a dead letter back to the queue (an operator fixed the agent). */
  async requeue(installationIds: string[], deliveryId: string): Promise<boolean> {
    const result = await this.db.channelInboundMessageDedup.updateMany({
      where: { deliveryId, installationId: { in: installationIds }, state: 'failed' },
      data: { state: 'pending', attempts: 0, nextAttemptAt: new Date(), finishedAt: null },
    });
    return result.count === 1;
  }
}
