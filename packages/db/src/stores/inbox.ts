import { randomUUID } from 'node:crypto';
import { Coalescer } from '../database/coalesce.js';
import { type Db, prismaRunner, type SqlRunner } from '../database/open.js';
import type { AuditEntry } from './audit.js';

// The dedup table is also the durable inbox. Invariants:
// - A row is inserted before the platform gets its acknowledgement; a conflict on
//   (installation_id, platform_event_id) is a duplicate and inserts nothing.
// - Every ordered row gets the next number of its conversation (channel_conversation_sequence) in
//   the statement that inserts it. The sequence row stays locked until that insert commits, so a
//   conversation's rows commit in sequence order: a claimer that sees number n has seen every
//   number below it, on any replica.
// - Workers take only the lowest-numbered unfinished row of a conversation, so one conversation
//   has one delivery in flight and is handled in arrival order, while different conversations run
//   in parallel. A dead letter (`failed`) counts as unfinished: it holds its conversation until an
//   admin retries it (it is then delivered first) or discards it.
// - A claim carries a random token and a lease (`claimed_at`, renewed by the worker's heartbeat);
//   finishing or rescheduling is fenced on the token, so a row that was reclaimed after its lease
//   ran out cannot be finished twice.

export interface InboxInsert {
  installationId: string;
  channelType: string;
  platformEventId: string;
  /** Rows sharing a key are processed one at a time, oldest first; null means "no ordering". */
  conversationKey: string | null;
  /** Already normalised for the database (see normalizeForDatabase). */
  payload: unknown;
  /** The event as received (JSON text), kept when normalising changed it. */
  rawPayload?: string | null;
}

export interface ClaimedInboxRow {
  /** The bigserial id, as text (drivers disagree on how to return int8). */
  id: string;
  installationId: string;
  channelType: string;
  platformEventId: string;
  conversationKey: string | null;
  /** Position in the conversation; null when unordered. */
  conversationSeq: string | null;
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
  /** Later messages of its conversation waiting behind it (dead letters hold their conversation). */
  heldMessages: number;
}

/** Identifies an insert in the set `insertMany` returns. */
export function inboxKey(installationId: string, platformEventId: string): string {
  return `${installationId}\u0000${platformEventId}`;
}

export interface InboxFinish {
  row: Pick<ClaimedInboxRow, 'id' | 'claimToken'>;
  outcome: { state: 'done' | 'failed'; error?: string };
  audit: AuditEntry;
}

export interface InboxRetry {
  row: Pick<ClaimedInboxRow, 'id' | 'claimToken'>;
  delayMs: number;
  error: string;
}

export class InboxStore {
  readonly #insertSql: SqlRunner;
  readonly #workerSql: SqlRunner;
  // Every worker finishes its row on its own; these turn the calls of a busy moment into one
  // statement each, the biggest cost per event after the delivery itself.
  readonly #finishing = new Coalescer<InboxFinish, boolean>((items) => this.finishMany(items));
  readonly #rescheduling = new Coalescer<InboxRetry, boolean>((items) => this.retryLaterMany(items));

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
   * were already recorded. Callers pass distinct keys. Ordered rows take their conversation's next
   * sequence numbers in the same statement (sequence rows are locked in key order, so concurrent
   * batches cannot deadlock on them). A duplicate consumes a number; gaps are harmless.
   */
  async insertMany(rows: InboxInsert[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const params: unknown[] = [];
    const tuples = rows.map((row, index) => {
      const n = params.push(
        index,
        row.installationId,
        row.channelType,
        row.platformEventId,
        row.conversationKey,
        JSON.stringify(row.payload),
        row.rawPayload ?? null,
      );
      return `($${n - 6}::int, $${n - 5}::uuid, $${n - 4}::text, $${n - 3}::text, $${n - 2}::text, $${n - 1}::jsonb, $${n}::text)`;
    });
    const inserted = await this.#insertSql<{ installation_id: string; platform_event_id: string }>(
      `WITH input (ord, installation_id, channel_type, platform_event_id, conversation_key, payload, raw_payload) AS (
         VALUES ${tuples.join(', ')}),
       bumped AS (
         INSERT INTO channel_conversation_sequence AS s (scope, installation_id, conversation_key, last_seq)
         SELECT 'inbox', installation_id, conversation_key, count(*) FROM input
         WHERE conversation_key IS NOT NULL
         GROUP BY installation_id, conversation_key
         ORDER BY installation_id, conversation_key
         ON CONFLICT (scope, installation_id, conversation_key)
           DO UPDATE SET last_seq = s.last_seq + excluded.last_seq
         RETURNING s.installation_id, s.conversation_key, s.last_seq),
       numbered AS (
         SELECT i.*, b.last_seq
           - count(*) OVER (PARTITION BY i.installation_id, i.conversation_key)
           + row_number() OVER (PARTITION BY i.installation_id, i.conversation_key ORDER BY i.ord) AS seq
         FROM input i
         LEFT JOIN bumped b ON b.installation_id = i.installation_id AND b.conversation_key = i.conversation_key)
       INSERT INTO channel_inbound_message_dedup
         (installation_id, channel_type, platform_event_id, conversation_key, conversation_seq, payload, raw_payload)
       SELECT installation_id, channel_type, platform_event_id, conversation_key, seq, payload, raw_payload
       FROM numbered ORDER BY installation_id, platform_event_id
       ON CONFLICT (installation_id, platform_event_id) DO NOTHING
       RETURNING installation_id::text AS installation_id, platform_event_id`,
      params,
    );
    return new Set(inserted.map((row) => inboxKey(row.installation_id, row.platform_event_id)));
  }

  /**
   * Claims up to `limit` rows that are due: pending rows whose time has come, and rows whose
   * lease (claim or last heartbeat) is older than `leaseMs` (their worker died, or the answer to
   * their claim was lost). Only the head of each conversation.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedInboxRow[]> {
    const token = randomUUID();
    const rows = await this.#workerSql<{
      id: string;
      installation_id: string;
      channel_type: string;
      platform_event_id: string;
      conversation_key: string | null;
      conversation_seq: string | null;
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
               AND e.state IN ('pending', 'processing', 'failed')
               AND e.conversation_seq < d.conversation_seq)
         ORDER BY d.id
         LIMIT $2::int
         FOR UPDATE OF d SKIP LOCKED)
       UPDATE channel_inbound_message_dedup t
       SET state = 'processing', claim_token = $3, claimed_at = now(), attempts = t.attempts + 1
       FROM picked WHERE t.id = picked.id
       RETURNING t.id::text AS id, t.installation_id::text AS installation_id, t.channel_type,
         t.platform_event_id, t.conversation_key, t.conversation_seq::text AS conversation_seq,
         t.payload, t.attempts,
         t.delivery_id::text AS delivery_id, t.first_seen_at`,
      [Math.round(leaseMs), limit, token],
    );
    return rows
      .map((row) => ({
        id: row.id,
        installationId: row.installation_id,
        channelType: row.channel_type,
        platformEventId: row.platform_event_id,
        conversationKey: row.conversation_key,
        conversationSeq: row.conversation_seq,
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
   * (and no audit) when the claim was lost. Concurrent calls share one statement (`finishMany`).
   */
  finish(
    row: Pick<ClaimedInboxRow, 'id' | 'claimToken'>,
    outcome: { state: 'done' | 'failed'; error?: string },
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.#finishing.call({ row, outcome, audit });
  }

  /**
   * `finish` for many rows in one statement: each row is fenced on its own claim token and gets
   * its own audit row, only if it was still ours. The rows of one call are distinct; they are
   * heads of distinct conversations (a claim takes one row per conversation), and they commit
   * together, so the next claim sees all of them finished or none.
   */
  async finishMany(items: InboxFinish[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const params: unknown[] = [];
    const tuples = items.map(({ row, outcome, audit }, index) => {
      const n = params.push(
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
        index,
      );
      const p = (k: number) => `$${n - 12 + k}`;
      return `(${p(0)}::bigint, ${p(1)}::text, ${p(2)}::inbox_state, ${p(3)}::text, ${p(4)}::uuid, ${p(5)}::uuid, ${p(6)}::text, ${p(7)}::text, ${p(8)}::text, ${p(9)}::text, ${p(10)}::uuid, ${p(11)}::jsonb, ${p(12)}::int)`;
    });
    const finished = await this.#workerSql<{ id: string }>(
      `WITH input (id, claim_token, state, last_error, installation_id, workspace_id, channel_type,
                   platform_event_id, reason, channel_user_id, user_id, detail, ord) AS (
         VALUES ${tuples.join(', ')}),
       finished AS (
         UPDATE channel_inbound_message_dedup t
         SET state = i.state, finished_at = now(), claim_token = NULL, last_error = i.last_error
         FROM input i
         WHERE t.id = i.id AND t.claim_token = i.claim_token AND t.state = 'processing'
         RETURNING t.id),
       audited AS (
         INSERT INTO channel_inbound_audit
           (installation_id, workspace_id, channel_type, platform_event_id, reason, channel_user_id, user_id, detail)
         SELECT i.installation_id, i.workspace_id, i.channel_type, i.platform_event_id, i.reason,
                i.channel_user_id, i.user_id, i.detail
         FROM input i JOIN finished f ON f.id = i.id
         ORDER BY i.ord)
       SELECT id::text AS id FROM finished`,
      params,
    );
    const done = new Set(finished.map((row) => row.id));
    return items.map(({ row }) => done.has(row.id));
  }

  /** Puts a claimed row back to pending, due after `delayMs` (database clock). */
  retryLater(
    row: Pick<ClaimedInboxRow, 'id' | 'claimToken'>,
    delayMs: number,
    error: string,
  ): Promise<boolean> {
    return this.#rescheduling.call({ row, delayMs, error });
  }

  /** `retryLater` for many rows in one statement (an open circuit sends a whole batch back). */
  async retryLaterMany(items: InboxRetry[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const params: unknown[] = [];
    const tuples = items.map(({ row, delayMs, error }) => {
      const n = params.push(row.id, row.claimToken, error, Math.max(0, Math.round(delayMs)));
      return `($${n - 3}::bigint, $${n - 2}::text, $${n - 1}::text, $${n}::int)`;
    });
    const updated = await this.#workerSql<{ id: string }>(
      `UPDATE channel_inbound_message_dedup t
       SET state = 'pending', claim_token = NULL, claimed_at = NULL, last_error = i.last_error,
           next_attempt_at = now() + i.delay_ms * interval '1 millisecond'
       FROM (VALUES ${tuples.join(', ')}) AS i (id, claim_token, last_error, delay_ms)
       WHERE t.id = i.id AND t.claim_token = i.claim_token AND t.state = 'processing'
       RETURNING t.id::text AS id`,
      params,
    );
    const done = new Set(updated.map((row) => row.id));
    return items.map(({ row }) => done.has(row.id));
  }

  /** Renews the lease of rows still being worked on; returns how many were still ours. */
  async heartbeat(rows: Array<Pick<ClaimedInboxRow, 'id' | 'claimToken'>>): Promise<number> {
    if (rows.length === 0) return 0;
    const params: unknown[] = [];
    const pairs = rows.map((row) => {
      const n = params.push(row.id, row.claimToken);
      return `($${n - 1}::bigint, $${n}::text)`;
    });
    const renewed = await this.#workerSql<{ id: string }>(
      `UPDATE channel_inbound_message_dedup t SET claimed_at = now()
       FROM (VALUES ${pairs.join(', ')}) AS mine (id, claim_token)
       WHERE t.id = mine.id AND t.claim_token = mine.claim_token AND t.state = 'processing'
       RETURNING t.id::text AS id`,
      params,
    );
    return renewed.length;
  }

  /** Makes every waiting row of the agent's installations due now (its circuit just closed). */
  async dueNowForAgent(agentId: string): Promise<number> {
    return this.db.$executeRaw`
      UPDATE channel_inbound_message_dedup d SET next_attempt_at = now()
      FROM channel_installation i
      WHERE i.agent_id = ${agentId}::uuid AND d.installation_id = i.id
        AND d.state = 'pending' AND d.next_attempt_at > now()`;
  }

  /**
   * The event recorded under `deliveryId` for this installation (the id its agent was sent), or
   * null when this installation has none: callers scope by installation, so a delivery id of
   * another installation reads as unknown.
   */
  async eventByDelivery(installationId: string, deliveryId: string): Promise<{ payload: unknown } | null> {
    const row = await this.db.channelInboundMessageDedup.findFirst({
      where: { installationId, deliveryId },
      select: { payload: true },
    });
    return row ? { payload: row.payload } : null;
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
  /** Newest first; `beforeId` (an id of an earlier page) continues after that dead letter. */
  async deadLetters(installationIds: string[], limit: number, beforeId?: string): Promise<DeadLetter[]> {
    if (installationIds.length === 0) return [];
    const rows = await this.db.$queryRawUnsafe<
      Array<{
        id: string;
        delivery_id: string;
        installation_id: string;
        channel_type: string;
        platform_event_id: string;
        attempts: number;
        last_error: string | null;
        first_seen_at: Date;
        finished_at: Date | null;
        held: bigint | number;
      }>
    >(
      `SELECT d.id::text AS id, d.delivery_id::text AS delivery_id, d.installation_id::text AS installation_id,
              d.channel_type, d.platform_event_id, d.attempts, d.last_error, d.first_seen_at, d.finished_at,
              (SELECT count(*) FROM channel_inbound_message_dedup e
               WHERE d.conversation_key IS NOT NULL AND e.installation_id = d.installation_id
                 AND e.conversation_key = d.conversation_key AND e.state IN ('pending', 'processing')
                 AND e.conversation_seq > d.conversation_seq) AS held
       FROM channel_inbound_message_dedup d
       WHERE d.state = 'failed'
         AND d.installation_id IN (${installationIds.map((_, i) => `$${i + 3}::uuid`).join(', ')})
         AND ($2::bigint IS NULL OR d.id < $2::bigint)
       ORDER BY d.id DESC LIMIT $1::int`,
      limit,
      beforeId ?? null,
      ...installationIds,
    );
    return rows.map((row) => ({
      id: row.id,
      deliveryId: row.delivery_id,
      installationId: row.installation_id,
      channelType: row.channel_type,
      platformEventId: row.platform_event_id,
      attempts: row.attempts,
      lastError: row.last_error,
      firstSeenAt: new Date(row.first_seen_at),
      finishedAt: row.finished_at ? new Date(row.finished_at) : null,
      heldMessages: Number(row.held),
    }));
  }

  /**
   * Sends a dead letter back to the queue (an operator fixed the agent). It keeps its place: it is
   * still the head of its conversation, so it goes out before the messages it held back. Its retry
   * budget starts again.
   */
  async requeue(installationIds: string[], deliveryId: string): Promise<DeadLetter | null> {
    return this.#leaveDeadLetters(installationIds, deliveryId, 'requeue');
  }

  /**
   * Gives a dead letter up for good: it becomes a finished row (kept for the dedup horizon, so a
   * platform retry is still recognised) and releases its conversation.
   */
  async discard(installationIds: string[], deliveryId: string): Promise<DeadLetter | null> {
    return this.#leaveDeadLetters(installationIds, deliveryId, 'discard');
  }

  async #leaveDeadLetters(
    installationIds: string[],
    deliveryId: string,
    action: 'requeue' | 'discard',
  ): Promise<DeadLetter | null> {
    const [letter] = (await this.deadLettersById(installationIds, deliveryId)) ?? [];
    if (!letter) return null;
    const result = await this.db.channelInboundMessageDedup.updateMany({
      where: { deliveryId, installationId: { in: installationIds }, state: 'failed' },
      data:
        action === 'requeue'
          ? {
              state: 'pending',
              attempts: 0,
              nextAttemptAt: new Date(),
              finishedAt: null,
              firstSeenAt: new Date(),
            }
          : { state: 'done', finishedAt: new Date(), lastError: `discarded: ${letter.lastError ?? ''}` },
    });
    return result.count === 1 ? letter : null;
  }

  private async deadLettersById(installationIds: string[], deliveryId: string): Promise<DeadLetter[]> {
    const row = await this.db.channelInboundMessageDedup.findFirst({
      where: { deliveryId, installationId: { in: installationIds }, state: 'failed' },
    });
    if (!row) return [];
    return [
      {
        id: row.id.toString(),
        deliveryId: row.deliveryId,
        installationId: row.installationId,
        channelType: row.channelType,
        platformEventId: row.platformEventId,
        attempts: row.attempts,
        lastError: row.lastError,
        firstSeenAt: row.firstSeenAt,
        finishedAt: row.finishedAt,
        heldMessages: 0,
      },
    ];
  }

  /** Conversations held back by a dead letter, hub-wide (a metric). */
  async heldConversations(): Promise<number> {
    const [row] = await this.db.$queryRaw<Array<{ held: bigint }>>`
      SELECT count(DISTINCT (installation_id, conversation_key)) AS held
      FROM channel_inbound_message_dedup
      WHERE state = 'failed' AND conversation_key IS NOT NULL`;
    return Number(row?.held ?? 0);
  }
}
