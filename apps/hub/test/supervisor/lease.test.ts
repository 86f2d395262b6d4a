import { generateSecretKey } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import { claimLease, releaseLease, renewLease } from '../../src/supervisor/lease.js';
import { FakeWorld } from './fake-long-connection.js';
import { leaseRow, runtimeFor, seedInstallation } from './harness.js';

describe.each(testDatabaseKinds())('installation lease [%s]', (kind) => {
  let test: TestDatabase;
  let runtime: HubRuntime;
  const ttl = 60_000;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    runtime = runtimeFor(test.db, generateSecretKey(), new FakeWorld());
  });
  afterAll(async () => {
    await test?.drop();
  });

  const db = () => runtime.database.prisma;

  it('is claimed by one owner at a time, and each claim bumps the generation', async () => {
    const { id } = await seedInstallation(runtime);
    const first = await claimLease(db(), id, 'replica-a', ttl);
    expect(first).toBe(1n);
    expect(await claimLease(db(), id, 'replica-b', ttl)).toBeNull();
    expect(await claimLease(db(), id, 'replica-a', ttl)).toBe(2n);
    expect(await leaseRow(runtime, id)).toMatchObject({ lease_owner: 'replica-a', lease_live: true });
  });

  it('renews only for the owner and generation that claimed it', async () => {
    const { id } = await seedInstallation(runtime);
    const generation = (await claimLease(db(), id, 'replica-a', ttl)) ?? 0n;
    expect(await renewLease(db(), { installationId: id, owner: 'replica-a', generation }, ttl)).toBe(true);
    expect(await renewLease(db(), { installationId: id, owner: 'replica-b', generation }, ttl)).toBe(false);
    expect(
      await renewLease(db(), { installationId: id, owner: 'replica-a', generation: generation - 1n }, ttl),
    ).toBe(false);
  });

  it('is taken over once expired on the database clock, fencing out the old holder', async () => {
    const { id } = await seedInstallation(runtime);
    const old = (await claimLease(db(), id, 'replica-a', ttl)) ?? 0n;
    await db()
      .$executeRaw`UPDATE channel_installation SET lease_expires_at = now() - interval '1 second' WHERE id = ${id}::uuid`;
    const taken = await claimLease(db(), id, 'replica-b', ttl);
    expect(taken).toBe(old + 1n);
    expect(await renewLease(db(), { installationId: id, owner: 'replica-a', generation: old }, ttl)).toBe(
      false,
    );
    expect(await releaseLease(db(), { installationId: id, owner: 'replica-a', generation: old })).toBe(false);
    expect(await leaseRow(runtime, id)).toMatchObject({ lease_owner: 'replica-b', lease_live: true });
  });

  it('is released only by its holder', async () => {
    const { id } = await seedInstallation(runtime);
    const generation = (await claimLease(db(), id, 'replica-a', ttl)) ?? 0n;
    expect(await releaseLease(db(), { installationId: id, owner: 'replica-b', generation })).toBe(false);
    expect(await releaseLease(db(), { installationId: id, owner: 'replica-a', generation })).toBe(true);
    expect(await leaseRow(runtime, id)).toMatchObject({ lease_owner: null, lease_live: false });
    expect(await claimLease(db(), id, 'replica-b', ttl)).toBe(generation + 1n);
  });

  it('cannot be claimed or renewed once the installation is revoked', async () => {
    const { id, workspaceId } = await seedInstallation(runtime);
    const generation = (await claimLease(db(), id, 'replica-a', ttl)) ?? 0n;
    await runtime.stores.installations.revoke(workspaceId, id);
    expect(await renewLease(db(), { installationId: id, owner: 'replica-a', generation }, ttl)).toBe(false);
    expect(await claimLease(db(), id, 'replica-a', ttl)).toBeNull();
  });

  it('goes to exactly one of many owners claiming at once', async () => {
    const { id } = await seedInstallation(runtime);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claimLease(db(), id, `replica-${i}`, ttl)),
    );
    expect(claims.filter((generation) => generation !== null)).toEqual([1n]);
  });
});
