// Two supervisors on two separate database clients of one PostgreSQL database: two hub replicas
// as far as leases are concerned. PGlite is one process's database, so this suite needs PostgreSQL.
import { generateSecretKey, openDatabase } from '@switchboard/db';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '@switchboard/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import type { Supervisor } from '../../src/supervisor/index.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { FakeWorld } from './fake-long-connection.js';
import { leaseRow, runtimeFor, seedInstallation, start } from './harness.js';

const wait = { timeout: 20_000, interval: 20 };
const timings = { leaseTtlMs: 600, renewEveryMs: 200, scanEveryMs: 50 };

/** Samples both replicas' statuses continuously and remembers any instant both were connected. */
function watchForDoubleHolders(replicas: Supervisor[], ids: () => string[]) {
  const doubles: string[] = [];
  const timer = setInterval(() => {
    for (const id of ids()) {
      const holders = replicas.filter((replica) => replica.status(id)?.connected === true);
      if (holders.length > 1) doubles.push(id);
    }
  }, 5);
  return { doubles, stop: () => clearInterval(timer) };
}

describe.runIf(postgresTestUrl())('two replicas on one PostgreSQL database [postgres]', () => {
  let test: TestDatabase;
  const secretKey = generateSecretKey();
  let world: FakeWorld;
  let replicaA: HubRuntime;
  let replicaB: HubRuntime;
  const running: Supervisor[] = [];
  const installations: Array<{ id: string; workspaceId: string }> = [];

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    world = new FakeWorld();
    replicaA = runtimeFor(test.db, secretKey, world);
    replicaB = runtimeFor(await openDatabase({ url: test.url, poolSize: 3 }), secretKey, world);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((supervisor) => supervisor.stop()));
    for (const { id, workspaceId } of installations.splice(0)) {
      await replicaA.stores.installations.revoke(workspaceId, id).catch(() => {});
    }
  });
  afterAll(async () => {
    await replicaB?.close();
    await test?.drop();
  });

  async function seed(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const seeded = await seedInstallation(replicaA);
      installations.push(seeded);
      ids.push(seeded.id);
    }
    return ids;
  }

  function supervise(runtime: HubRuntime, ownerId: string): Supervisor {
    const { supervisor } = start(runtime, { ...timings, ownerId });
    running.push(supervisor);
    return supervisor;
  }

  it('never connects an installation on both, and the survivor takes over a crashed holder after its lease expires', async () => {
    const ids = await seed(3);
    const a = supervise(replicaA, 'replica-a');
    await vi.waitFor(() => {
      for (const id of ids) expect(a.status(id)?.state).toBe('connected');
    }, wait);
    const b = supervise(replicaB, 'replica-b');
    const watch = watchForDoubleHolders([a, b], () => ids);
    try {
      await vi.waitFor(() => {
        for (const id of ids)
          expect(b.status(id)).toMatchObject({ state: 'parked', leaseOwner: 'replica-a' });
      }, wait);

      // A crash: connections die with the process, the lease rows stay as they were.
      await a.stop({ release: false });
      const abandoned = new Map<string, bigint>();
      for (const id of ids) {
        const row = await leaseRow(replicaA, id);
        expect(row?.lease_owner).toBe('replica-a');
        abandoned.set(id, row?.lease_generation ?? 0n);
      }
      await vi.waitFor(() => {
        for (const id of ids) expect(b.status(id)?.state).toBe('connected');
      }, wait);
      for (const id of ids) {
        expect(b.status(id)?.leaseOwner).toBe('replica-b');
        expect(BigInt(b.status(id)?.leaseGeneration ?? '0')).toBeGreaterThan(abandoned.get(id) ?? 0n);
        expect(world.of(id)).toMatchObject({ active: 1, maxActive: 1 });
      }
    } finally {
      watch.stop();
    }
    expect(watch.doubles).toEqual([]);
  });

  it('hands an installation over as soon as the holder stops cleanly', async () => {
    const [id = ''] = await seed(1);
    const a = supervise(replicaA, 'replica-a');
    await vi.waitFor(() => expect(a.status(id)?.state).toBe('connected'), wait);
    const b = supervise(replicaB, 'replica-b');
    await vi.waitFor(() => expect(b.status(id)?.leaseOwner).toBe('replica-a'), wait);

    await a.stop();
    expect((await leaseRow(replicaA, id))?.lease_owner).toBeNull();
    await vi.waitFor(() => expect(b.status(id)?.state).toBe('connected'), wait);
    expect(world.of(id).maxActive).toBe(1);
  });

  it('splits installations between replicas started together without ever doubling one', async () => {
    const ids = await seed(6);
    const a = supervise(replicaA, 'replica-a');
    const b = supervise(replicaB, 'replica-b');
    const watch = watchForDoubleHolders([a, b], () => ids);
    try {
      await vi.waitFor(() => {
        for (const id of ids) {
          const holders = [a, b].filter((replica) => replica.status(id)?.connected);
          expect(holders).toHaveLength(1);
        }
      }, wait);
      // Several renew periods more: on a loaded machine a lease may lapse and move, never double up.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await vi.waitFor(() => {
        for (const id of ids) expect(world.of(id).active).toBe(1);
      }, wait);
      for (const id of ids) expect(world.of(id).maxActive).toBe(1);
    } finally {
      watch.stop();
    }
    expect(watch.doubles).toEqual([]);
  });

  describe('when a replica loses the database', () => {
    let proxy: TcpProxy;
    let cutOff: HubRuntime;

    beforeAll(async () => {
      const target = new URL(test.url ?? '');
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(test.url ?? '');
      viaProxy.port = String(proxy.port);
      cutOff = runtimeFor(await openDatabase({ url: viaProxy.toString(), poolSize: 2 }), secretKey, world);
    });
    afterAll(async () => {
      await cutOff?.close();
      await proxy?.close();
    });

    it('disconnects before its lease can expire, so the other replica takes over without overlap', async () => {
      const [id = ''] = await seed(1);
      const a = supervise(cutOff, 'replica-a');
      await vi.waitFor(() => expect(a.status(id)?.state).toBe('connected'), wait);
      const b = supervise(replicaB, 'replica-b');
      const watch = watchForDoubleHolders([a, b], () => [id]);
      try {
        await proxy.cut();
        await vi.waitFor(() => expect(b.status(id)?.state).toBe('connected'), wait);
        expect(a.status(id)).toMatchObject({ connected: false, state: 'parked' });
        expect(a.status(id)?.lastError).toMatch(/could not be renewed/);
        await proxy.restore();
        // Back online, A sees B's live lease and stays parked.
        await vi.waitFor(() => expect(a.status(id)?.leaseOwner).toBe('replica-b'), wait);
        expect(a.status(id)?.state).toBe('parked');
      } finally {
        watch.stop();
        await proxy.restore().catch(() => {});
      }
      expect(watch.doubles).toEqual([]);
      expect(world.of(id).maxActive).toBe(1);
    });
  });
});
