import { generateSecretKey } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import { FakeWorld } from './fake-long-connection.js';
import { leaseRow, runtimeFor, seedInstallation, start } from './harness.js';

const wait = { timeout: 15_000, interval: 20 };

describe.each(testDatabaseKinds())('parking a long connection [%s]', (kind) => {
  let test: TestDatabase;
  let runtime: HubRuntime;
  let world: FakeWorld;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    world = new FakeWorld();
    runtime = runtimeFor(test.db, generateSecretKey(), world);
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('disconnects a parked installation, frees its lease, and connects it again when unparked', async () => {
    const { id, workspaceId } = await seedInstallation(runtime);
    const { supervisor } = start(runtime);
    try {
      await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);

      const parkedAt = await runtime.stores.installationParking.park(workspaceId, id);
      expect(await runtime.stores.installationParking.park(workspaceId, id)).toEqual(parkedAt);
      await vi.waitFor(() => expect(world.of(id).active).toBe(0), wait);
      await vi.waitFor(async () => expect((await leaseRow(runtime, id))?.lease_owner).toBeNull(), wait);
      // Still active: parking is not revoking.
      expect((await runtime.stores.installations.get(workspaceId, id)).status).toBe('active');

      await runtime.stores.installationParking.unpark(workspaceId, id);
      await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);
      expect(world.of(id).active).toBe(1);
    } finally {
      await supervisor.stop();
    }
  });

  it('answers not found for another workspace’s installation', async () => {
    const { id } = await seedInstallation(runtime);
    const other = await seedInstallation(runtime);
    await expect(runtime.stores.installationParking.park(other.workspaceId, id)).rejects.toThrow(/not found/);
  });
});
