import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/database/open.js';
import { InboxStore } from '../src/stores/inbox.js';
import {
  createTestDatabase,
  postgresTestUrl,
  type TestDatabase,
  testDatabaseKinds,
} from '../src/testing/index.js';

const INSTALLATION = '00000000-0000-4000-8000-000000000001';
const audit = { reason: 'delivered' as const, installationId: null, workspaceId: null, channelType: 'echo' };

const row = (eventId: string, conversationKey: string | null) => ({
  installationId: INSTALLATION,
  channelType: 'echo',
  platformEventId: eventId,
  conversationKey,
  payload: { eventId },
});

describe.each(testDatabaseKinds())('inbox store [%s]', (kind) => {
  let test: TestDatabase;
  let inbox: InboxStore;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    inbox = new InboxStore(test.db.prisma);
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('inserts new events and reports repeats as not new', async () => {
    const first = await inbox.insertMany([row('a1', 'c1'), row('a2', 'c1')]);
    expect(first.size).toBe(2);
    const again = await inbox.insertMany([row('a1', 'c1'), row('a3', 'c2')]);
    expect([...again].map((key) => key.split('\u0000')[1])).toEqual(['a3']);
  });

  it('hands out only the head of each conversation, in order', async () => {
    const claimed = await inbox.claim(10, 60_000);
    expect(claimed.map((r) => r.platformEventId)).toEqual(['a1', 'a3']);
    expect(await inbox.claim(10, 60_000)).toEqual([]);
    const head = claimed.find((r) => r.platformEventId === 'a1');
    if (!head) throw new Error('a1 was claimed');
    expect(await inbox.finish(head, { state: 'done' }, audit)).toBe(true);
    expect((await inbox.claim(10, 60_000)).map((r) => r.platformEventId)).toEqual(['a2']);
  });

  it('fences finishing on the claim token, so a reclaimed row is finished once', async () => {
    await inbox.insertMany([row('f1', 'fence')]);
    const [stale] = await inbox.claim(1, 60_000);
    if (!stale) throw new Error('expected a claim');
    // The worker stalled: with a zero stale window another worker takes the row over.
    const [taken] = (await inbox.claim(10, 0)).filter((r) => r.platformEventId === 'f1');
    expect(taken?.attempts).toBe(2);
    expect(await inbox.finish(stale, { state: 'done' }, audit)).toBe(false);
    if (!taken) throw new Error('expected a takeover');
    expect(await inbox.finish(taken, { state: 'done' }, { ...audit, platformEventId: 'f1' })).toBe(true);
    const audits = await test.db.prisma.channelInboundAudit.count({ where: { platformEventId: 'f1' } });
    expect(audits).toBe(1);
  });

  it('reschedules with a delay on the database clock', async () => {
    await inbox.insertMany([row('r1', 'retry')]);
    const [claimed] = (await inbox.claim(10, 60_000)).filter((r) => r.platformEventId === 'r1');
    if (!claimed) throw new Error('expected a claim');
    expect(await inbox.retryLater(claimed, 60_000, 'agent answered HTTP 503')).toBe(true);
    expect((await inbox.claim(10, 60_000)).some((r) => r.platformEventId === 'r1')).toBe(false);
    const backlog = await inbox.backlog(INSTALLATION);
    expect(backlog.pending).toBeGreaterThanOrEqual(1);
  });

  it('finishes a batch in one statement, each row fenced on its own token, with its own audit', async () => {
    await inbox.insertMany([row('b1', 'batch-1'), row('b2', 'batch-2'), row('b3', 'batch-3')]);
    const claimed = (await inbox.claim(10, 60_000)).filter((r) => r.platformEventId.startsWith('b'));
    expect(claimed.map((r) => r.platformEventId)).toEqual(['b1', 'b2', 'b3']);
    const [b1, b2, b3] = claimed as [(typeof claimed)[0], (typeof claimed)[0], (typeof claimed)[0]];
    const results = await inbox.finishMany([
      { row: b1, outcome: { state: 'done' }, audit: { ...audit, platformEventId: 'b1' } },
      // A claim this worker lost: nothing changes for it, and it gets no audit row.
      {
        row: { ...b2, claimToken: 'not-ours' },
        outcome: { state: 'done' },
        audit: { ...audit, platformEventId: 'b2' },
      },
      {
        row: b3,
        outcome: { state: 'failed', error: 'agent answered HTTP 500' },
        audit: { ...audit, reason: 'delivery_failed', platformEventId: 'b3', detail: { attempts: 1 } },
      },
    ]);
    expect(results).toEqual([true, false, true]);
    const states = await test.db.prisma.channelInboundMessageDedup.findMany({
      where: { platformEventId: { in: ['b1', 'b2', 'b3'] } },
      orderBy: { platformEventId: 'asc' },
      select: { state: true, lastError: true },
    });
    expect(states).toEqual([
      { state: 'done', lastError: null },
      { state: 'processing', lastError: null },
      { state: 'failed', lastError: 'agent answered HTTP 500' },
    ]);
    const audits = await test.db.prisma.channelInboundAudit.findMany({
      where: { platformEventId: { in: ['b1', 'b2', 'b3'] } },
      orderBy: { id: 'asc' },
      select: { platformEventId: true, reason: true, detail: true },
    });
    expect(audits).toEqual([
      { platformEventId: 'b1', reason: 'delivered', detail: null },
      { platformEventId: 'b3', reason: 'delivery_failed', detail: { attempts: 1 } },
    ]);
    expect(await inbox.finish(b2, { state: 'done' }, { ...audit, platformEventId: 'b2' })).toBe(true);
  });

  it('shares one statement between concurrent finishes and still answers each alone', async () => {
    await inbox.insertMany([row('c1', 'co-1'), row('c2', 'co-2')]);
    const claimed = (await inbox.claim(10, 60_000)).filter((r) => r.platformEventId.startsWith('c'));
    const [c1, c2] = claimed as [(typeof claimed)[0], (typeof claimed)[0]];
    // A detail PostgreSQL refuses (NUL in jsonb) fails its own row only, not the batch it was in.
    const results = await Promise.allSettled([
      inbox.finish(c1, { state: 'done' }, { ...audit, platformEventId: 'c1' }),
      inbox.finish(c2, { state: 'done' }, { ...audit, platformEventId: 'c2', detail: { bad: '\u0000' } }),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: true });
    expect(results[1]?.status).toBe('rejected');
    expect(await inbox.finish(c2, { state: 'done' }, { ...audit, platformEventId: 'c2' })).toBe(true);
  });

  it('reschedules a batch, each row fenced on its own token', async () => {
    await inbox.insertMany([row('s1', 'again-1'), row('s2', 'again-2')]);
    const claimed = (await inbox.claim(10, 60_000)).filter((r) => r.platformEventId.startsWith('s'));
    const [s1, s2] = claimed as [(typeof claimed)[0], (typeof claimed)[0]];
    const results = await inbox.retryLaterMany([
      { row: s1, delayMs: 0, error: 'agent circuit open' },
      { row: { ...s2, claimToken: 'not-ours' }, delayMs: 0, error: 'agent circuit open' },
    ]);
    expect(results).toEqual([true, false]);
    const again = (await inbox.claim(10, 60_000)).map((r) => r.platformEventId);
    expect(again).toContain('s1');
    expect(again).not.toContain('s2');
  });
});

// Several hub processes drain one inbox: SKIP LOCKED must never give a row to two of them.
describe.skipIf(!postgresTestUrl())('inbox store, concurrent workers [postgres]', () => {
  let test: TestDatabase;
  const others: Array<Awaited<ReturnType<typeof openDatabase>>> = [];

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const db of others) await db.close();
    await test?.drop();
  });

  it('never hands one row to two workers and keeps each conversation in order', async () => {
    const inbox = new InboxStore(test.db.prisma);
    const rows = Array.from({ length: 600 }, (_, i) =>
      row(`e${String(i).padStart(4, '0')}`, `conv-${i % 20}`),
    );
    await inbox.insertMany(rows);
    const workers: InboxStore[] = [];
    for (let i = 0; i < 4; i++) {
      const db = await openDatabase({ url: test.url, poolSize: 4 });
      others.push(db);
      workers.push(new InboxStore(db.prisma));
    }
    const seen: string[] = [];
    const order = new Map<string, string[]>();
    await Promise.all(
      workers.map(async (worker) => {
        for (;;) {
          const claimed = await worker.claim(8, 60_000);
          if (claimed.length === 0) {
            const left = await test.db.prisma.channelInboundMessageDedup.count({
              where: { state: { not: 'done' } },
            });
            if (left === 0) return;
            continue;
          }
          for (const item of claimed) {
            seen.push(item.platformEventId);
            const key = item.conversationKey ?? '';
            order.set(key, [...(order.get(key) ?? []), item.platformEventId]);
            expect(await worker.finish(item, { state: 'done' }, audit)).toBe(true);
          }
        }
      }),
    );
    expect(seen).toHaveLength(600);
    expect(new Set(seen).size).toBe(600);
    for (const [, events] of order) expect(events).toEqual([...events].sort());
  });
});

// Commit visibility needs two real sessions: PostgreSQL only.
describe.skipIf(!postgresTestUrl())('inbox order across uncommitted inserts [postgres]', () => {
  let test: TestDatabase;
  let inbox: InboxStore;
  let pool: pg.Pool;

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    inbox = new InboxStore(test.db.prisma);
    pool = new pg.Pool({ connectionString: test.url, max: 3 });
  });
  afterAll(async () => {
    await pool?.end();
    await test?.drop();
  });

  it('never hands out a later message while an earlier one of its conversation has not committed', async () => {
    // Writer A inserts the first message of the conversation and has not committed yet.
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      await a.query('BEGIN');
      const inTransaction = new InboxStore(test.db.prisma, {
        ingressSql: async (text, values) => (await a.query(text, values)).rows,
      });
      const autocommit = new InboxStore(test.db.prisma, {
        ingressSql: async (text, values) => (await b.query(text, values)).rows,
      });
      await inTransaction.insertMany([row('u1', 'uncommitted')]);
      // Writer B's later message of the same conversation waits for A's commit...
      const later = autocommit.insertMany([row('u2', 'uncommitted')]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // ...so no claimer can see it before the earlier one.
      expect((await inbox.claim(10, 60_000)).map((r) => r.platformEventId)).toEqual([]);
      await a.query('COMMIT');
      await later;
      const claimed = await inbox.claim(10, 60_000);
      expect(claimed.map((r) => r.platformEventId)).toEqual(['u1']);
      const [head] = claimed;
      if (!head) throw new Error('u1 was claimed');
      expect(await inbox.finish(head, { state: 'done' }, audit)).toBe(true);
      const [next] = await inbox.claim(10, 60_000);
      expect(next?.platformEventId).toBe('u2');
      expect(BigInt(next?.conversationSeq ?? 0)).toBeGreaterThan(BigInt(head.conversationSeq ?? 0));
    } finally {
      await a.query('ROLLBACK').catch(() => {});
      a.release();
      b.release();
    }
  });
});
