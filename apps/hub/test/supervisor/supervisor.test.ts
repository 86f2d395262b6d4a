import type { InboundEvent } from '@switchboard/core';
import { generateSecretKey } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import type { Supervisor } from '../../src/supervisor/index.js';
import { FAKE_WEBHOOK, FAKE_WEBHOOK_BY_CONFIG, FakeWorld } from './fake-long-connection.js';
import { leaseRow, runtimeFor, type StartedSupervisor, seedInstallation, start } from './harness.js';

const wait = { timeout: 15_000, interval: 20 };

describe.each(testDatabaseKinds())('long-connection supervisor [%s]', (kind) => {
  let test: TestDatabase;
  let runtime: HubRuntime;
  let world: FakeWorld;
  const running: Supervisor[] = [];
  const installations: Array<{ id: string; workspaceId: string }> = [];

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    world = new FakeWorld();
    runtime = runtimeFor(test.db, generateSecretKey(), world);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((supervisor) => supervisor.stop()));
    // Each test sees only its own installations as active.
    for (const { id, workspaceId } of installations.splice(0)) {
      await runtime.stores.installations.revoke(workspaceId, id).catch(() => {});
    }
  });
  afterAll(async () => {
    await test?.drop();
  });

  async function installation(input: Parameters<typeof seedInstallation>[1] = {}) {
    const seeded = await seedInstallation(runtime, input);
    installations.push(seeded);
    return seeded;
  }

  function supervise(options: Parameters<typeof start>[1] = {}): StartedSupervisor {
    const started = start(runtime, options);
    running.push(started.supervisor);
    return started;
  }

  it('connects an active installation under its lease and hands events to emit', async () => {
    const { id, workspaceId } = await installation();
    const { supervisor, emitted } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);
    expect(supervisor.status(id)).toMatchObject({
      connected: true,
      leaseOwner: supervisor.ownerId,
      leaseGeneration: '1',
      reconnectAttempts: 0,
    });
    expect(supervisor.status(id)?.connectedAt).toEqual(expect.any(String));
    expect(await leaseRow(runtime, id)).toMatchObject({ lease_owner: supervisor.ownerId, lease_live: true });

    const context = world.lastContext(id);
    expect(context).toMatchObject({ installationId: id, workspaceId });
    const event: InboundEvent = { kind: 'ignored', eventId: 'ev-1', reason: 'unsupported_event' };
    await context.emit(event);
    expect(emitted).toEqual([{ installationId: id, event }]);
  });

  it('leaves channels without long connections alone and warns once about unknown channel types', async () => {
    const webhook = await installation({ channelType: FAKE_WEBHOOK });
    const unknown = await installation({ channelType: 'no-such-platform' });
    const marker = await installation();
    const { supervisor, logs } = supervise();
    await vi.waitFor(() => expect(supervisor.status(marker.id)?.state).toBe('connected'), wait);
    // A few more scans, so a repeated warning would show.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(supervisor.status(webhook.id)).toBeUndefined();
    expect(world.of(webhook.id).connectCalls).toBe(0);
    expect((await leaseRow(runtime, webhook.id))?.lease_owner).toBeNull();
    expect(supervisor.status(unknown.id)).toBeUndefined();
    const warnings = logs.filter(
      (line) => line.level === 'warn' && line.fields.installationId === unknown.id,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields.channelType).toBe('no-such-platform');
  });

  it('builds no channel for an installation its factory calls webhook-only from the stored config', async () => {
    const byConfig = await installation({ channelType: FAKE_WEBHOOK_BY_CONFIG });
    const probed = await installation({ channelType: FAKE_WEBHOOK });
    const marker = await installation();
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(marker.id)?.state).toBe('connected'), wait);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Without the factory's answer the supervisor builds one probe channel to ask; with it, none.
    expect(world.of(probed.id).created).toBe(1);
    expect(world.of(byConfig.id).created).toBe(0);
    expect(supervisor.status(byConfig.id)).toBeUndefined();
    expect((await leaseRow(runtime, byConfig.id))?.lease_owner).toBeNull();
  });

  it('reports an invalid config as a status error instead of connecting', async () => {
    const { id } = await installation({ config: { mode: 'sideways' } });
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.lastError).toMatch(/mode/), wait);
    expect(supervisor.status(id)).toMatchObject({ state: 'parked', connected: false, leaseOwner: null });
    expect(world.of(id).connectCalls).toBe(0);
    expect((await leaseRow(runtime, id))?.lease_owner).toBeNull();
  });

  it('keeps other installations connected while one channel throws on connect and another hangs', async () => {
    const throws = await installation({ config: { mode: 'throw' } });
    const hangs = await installation({ config: { mode: 'hang' } });
    const works = await installation();
    const { supervisor } = supervise({ connectTimeoutMs: 100 });

    await vi.waitFor(() => {
      expect(supervisor.status(works.id)?.state).toBe('connected');
      expect(supervisor.status(throws.id)?.reconnectAttempts).toBeGreaterThanOrEqual(2);
      expect(supervisor.status(hangs.id)?.reconnectAttempts).toBeGreaterThanOrEqual(2);
    }, wait);
    expect(supervisor.status(throws.id)).toMatchObject({
      connected: false,
      lastError: 'platform refused the connection',
      leaseOwner: supervisor.ownerId,
    });
    expect(supervisor.status(throws.id)?.lastErrorAt).toEqual(expect.any(String));
    expect(supervisor.status(hangs.id)?.lastError).toMatch(/connect did not finish within 100 ms/);
    expect(['connecting', 'backoff']).toContain(supervisor.status(hangs.id)?.state);
    expect(world.of(works.id).connectCalls).toBe(1);
  });

  it('reconnects after the channel reports a lost connection and resets the attempt count', async () => {
    const { id } = await installation();
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);

    world.lastContext(id).reportConnectionLost?.(new Error('server closed the socket'));
    expect(world.lastContext(id).signal.aborted).toBe(true);
    await vi.waitFor(() => {
      expect(world.of(id).connectCalls).toBe(2);
      expect(supervisor.status(id)?.state).toBe('connected');
    }, wait);
    expect(supervisor.status(id)).toMatchObject({
      reconnectAttempts: 0,
      lastError: 'server closed the socket',
    });
    expect(world.of(id).active).toBe(1);
  });

  it('disconnects at once when the lease is taken by another owner', async () => {
    const { id } = await installation();
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);

    await runtime.database.prisma.$executeRaw`
      UPDATE channel_installation
         SET lease_owner = 'another-replica', lease_generation = lease_generation + 1,
             lease_expires_at = now() + interval '1 hour'
       WHERE id = ${id}::uuid`;
    await vi.waitFor(() => expect(world.of(id).active).toBe(0), wait);
    await vi.waitFor(() => expect(supervisor.status(id)?.leaseOwner).toBe('another-replica'), wait);
    expect(supervisor.status(id)).toMatchObject({ state: 'parked', connected: false, leaseGeneration: '2' });
    expect(supervisor.status(id)?.lastError).toMatch(/lease lost/);
  });

  it('disconnects an installation when it is revoked', async () => {
    const { id, workspaceId } = await installation();
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);

    await runtime.stores.installations.revoke(workspaceId, id);
    await vi.waitFor(() => expect(world.of(id).active).toBe(0), wait);
    await vi.waitFor(() => expect(supervisor.status(id)).toBeUndefined(), wait);
  });

  it('disconnects an installation whose agent was deleted', async () => {
    const { id, agentId } = await installation();
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);

    await runtime.database.prisma.agent.delete({ where: { id: agentId } });
    await vi.waitFor(() => expect(world.of(id).active).toBe(0), wait);
    await vi.waitFor(() => expect(supervisor.status(id)).toBeUndefined(), wait);
  });

  it('restarts the connection under the same lease when the credentials change', async () => {
    const { id, workspaceId } = await installation({ token: 'token-1' });
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);
    const generation = supervisor.status(id)?.leaseGeneration;

    await runtime.stores.installations.replaceConfig(workspaceId, id, {
      config: { mode: 'ok' },
      secrets: { token: 'token-2' },
    });
    await vi.waitFor(() => {
      expect(world.of(id).tokens).toEqual(['token-1', 'token-2']);
      expect(supervisor.status(id)?.state).toBe('connected');
    }, wait);
    expect(world.of(id)).toMatchObject({ active: 1, maxActive: 1, disconnectCalls: 1 });
    expect(supervisor.status(id)?.leaseGeneration).toBe(generation);
  });

  it('disconnects and frees the lease when the config becomes invalid', async () => {
    const { id, workspaceId } = await installation();
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);

    await runtime.stores.installations.replaceConfig(workspaceId, id, {
      config: { mode: 'sideways' },
      secrets: { token: 'token-1' },
    });
    await vi.waitFor(() => expect(world.of(id).active).toBe(0), wait);
    await vi.waitFor(() => expect(supervisor.status(id)?.lastError).toMatch(/mode/), wait);
    // Parking and freeing the lease follow the error report; under load they may lag it.
    await vi.waitFor(
      () => expect(supervisor.status(id)).toMatchObject({ state: 'parked', leaseOwner: null }),
      wait,
    );
    await vi.waitFor(async () => expect((await leaseRow(runtime, id))?.lease_owner).toBeNull(), wait);
  });

  it('does not restart when the same config is saved again', async () => {
    const { id, workspaceId } = await installation({ config: { mode: 'ok', label: 'a' } });
    const { supervisor } = supervise();
    await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), wait);
    await runtime.stores.installations.replaceConfig(workspaceId, id, {
      config: { label: 'a', mode: 'ok' },
      secrets: { token: 'token-1' },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(world.of(id).connectCalls).toBe(1);
  });

  it('parks every installation and claims nothing when connections are disabled', async () => {
    const { id } = await installation();
    const { supervisor } = supervise({ disabled: true });
    await vi.waitFor(() => expect(supervisor.status(id)).toBeDefined(), wait);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervisor.statuses().every((status) => status.state === 'parked')).toBe(true);
    expect(supervisor.status(id)).toMatchObject({ connected: false, leaseOwner: null, reconnectAttempts: 0 });
    expect(world.of(id).connectCalls).toBe(0);
    expect((await leaseRow(runtime, id))?.lease_owner).toBeNull();
  });

  it('stop disconnects everything, releases the leases, ends its timers and can be called twice', async () => {
    const first = await installation();
    const second = await installation();
    const { supervisor } = supervise();
    await vi.waitFor(() => {
      expect(supervisor.status(first.id)?.state).toBe('connected');
      expect(supervisor.status(second.id)?.state).toBe('connected');
    }, wait);

    await Promise.all([supervisor.stop(), supervisor.stop()]);
    await supervisor.stop();
    for (const { id } of [first, second]) {
      expect(world.of(id).active).toBe(0);
      expect(supervisor.status(id)?.state).toBe('stopped');
      expect((await leaseRow(runtime, id))?.lease_owner).toBeNull();
    }
    const calls = world.of(first.id).connectCalls;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(world.of(first.id).connectCalls).toBe(calls);
  });
});
