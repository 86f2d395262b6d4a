import type { ProvisionUserResult } from '@switchboard/core';
import { createStores, type Database, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubProvisioner } from '../../src/identity/provisioner.js';
import { provisionerStoreFrom } from '../../src/identity/provisioner-store.js';
import { testNamespaceBook } from '../fixtures/platform-namespaces.js';

// Real races need real concurrent connections: several clients (hub replicas), each with a pool.
const CLIENTS = 5;
const POOL_SIZE = 10;

describe.skipIf(!postgresTestUrl())('provisioner under concurrency [postgres]', () => {
  let test: TestDatabase;
  const extra: Database[] = [];
  let provisioners: HubProvisioner[] = [];
  let workspaceId: string;
  let lostInserts = 0;

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    const box = SecretBox.fromSpec(generateSecretKey());
    for (let i = 1; i < CLIENTS; i++) extra.push(await openDatabase({ url: test.url, poolSize: POOL_SIZE }));
    const databases = [test.db, ...extra];
    provisioners = databases.map((db) => {
      const real = provisionerStoreFrom(createStores(db.prisma, box));
      return new HubProvisioner(
        {
          ...real,
          // Counts inserts that lost a race, to show the calls really overlapped.
          createProvisionedUser: (input) =>
            real.createProvisionedUser(input).catch((error: unknown) => {
              lostInserts++;
              throw error;
            }),
        },
        { namespaces: testNamespaceBook() },
      );
    });
    const stores = createStores(test.db.prisma, box);
    const ws = await stores.workspaces.create({ slug: 'race' });
    const owner = await stores.users.create({ username: 'race-owner' });
    await stores.members.upsert(ws.id, owner.id, 'owner');
    workspaceId = ws.id;
  });
  afterAll(async () => {
    for (const db of extra) await db.close();
    await test?.drop();
  });

  function provisionerFor(call: number): HubProvisioner {
    return provisioners[call % provisioners.length] as HubProvisioner;
  }

  it('creates exactly one user when 50 first contacts of one sender race, and every call names it', async () => {
    lostInserts = 0;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, call) =>
        provisionerFor(call).provisionUser({
          workspaceId,
          namespace: 'slack',
          externalId: 'T0RACE:U0RACER',
          email: 'racer@example.com',
          emailVerified: true,
        }),
      ),
    );
    const userIds = new Set(results.map((r) => r.userId));
    expect(userIds.size).toBe(1);
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1);
    expect(lostInserts).toBeGreaterThan(0);
    expect(new Set(results.map((r) => r.username))).toEqual(new Set(['racer']));
    const prisma = test.db.prisma;
    expect(await prisma.user.count({ where: { username: { startsWith: 'racer' } } })).toBe(1);
    expect(await prisma.identity.count({ where: { namespace: 'slack', identifier: 'T0RACE:U0RACER' } })).toBe(
      1,
    );
    expect(await prisma.workspaceMember.count({ where: { workspaceId, userId: [...userIds][0] } })).toBe(1);
  });

  it('gives 20 racing senders who share an email local part 20 users with distinct usernames', {
    timeout: 60_000,
  }, async () => {
    const calls: Array<Promise<ProvisionUserResult & { sender: number }>> = [];
    for (let round = 0; round < 5; round++) {
      for (let sender = 0; sender < 20; sender++) {
        calls.push(
          provisionerFor(round * 20 + sender)
            .provisionUser({
              workspaceId,
              namespace: 'github_id',
              externalId: String(50_000 + sender),
              email: `dev@team${sender}.example`,
              emailVerified: true,
            })
            .then((result) => ({ ...result, sender })),
        );
      }
    }
    const results = await Promise.all(calls);
    const bySender = new Map<number, Set<string>>();
    for (const result of results) {
      const ids = bySender.get(result.sender) ?? new Set<string>();
      ids.add(result.userId);
      bySender.set(result.sender, ids);
    }
    expect([...bySender.values()].every((ids) => ids.size === 1)).toBe(true);
    const users = await test.db.prisma.user.findMany({
      where: { identities: { some: { namespace: 'github_id' } } },
      select: { username: true },
    });
    expect(users).toHaveLength(20);
    const names = users.map((u) => u.username).sort();
    expect(new Set(names).size).toBe(20);
    expect(names).toContain('dev');
    expect(names.every((name) => /^dev(-\d+)?$/.test(name))).toBe(true);
  });
});
