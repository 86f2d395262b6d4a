import { Writable } from 'node:stream';
import { generateSecretKey } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HealthMonitor } from '../../src/health/health-monitor.js';
import { createLogger } from '../../src/logging/logger.js';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import { StatusReporter } from '../../src/status/status-reporter.js';
import { FakeWorld } from '../supervisor/fake-long-connection.js';
import { runtimeFor, seedInstallation, start } from '../supervisor/harness.js';

const quiet = () =>
  createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** Each detector of the health monitor, on rows written the way the hub writes them. */
describe.each(testDatabaseKinds())('health monitor detectors [%s]', (kind) => {
  let test: TestDatabase;
  let runtime: HubRuntime;
  let world: FakeWorld;
  let monitor: HealthMonitor;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    world = new FakeWorld();
    runtime = runtimeFor(test.db, generateSecretKey(), world);
    monitor = new HealthMonitor({
      store: runtime.stores.installationStatus,
      registry: runtime.registry,
      logger: quiet(),
    });
  });
  afterAll(async () => {
    await test?.drop();
  });

  const store = () => runtime.stores.installationStatus;
  const problemsOf = async (id: string) => (await store().get(id))?.problems ?? [];
  const codesOf = async (id: string) => (await problemsOf(id)).map((p) => p.code);

  it('reports a refused token until a later call is accepted, and again until the config changes', async () => {
    const { id, workspaceId } = await seedInstallation(runtime);
    await store().write(id, 'replica-a', {
      credentialsRefused: { message: 'invalid_auth: Slack auth.test failed', at: new Date() },
    });
    await monitor.pass();
    const [problem] = await problemsOf(id);
    expect(problem).toMatchObject({
      code: 'token_revoked',
      message: expect.stringContaining('Fake long connection refused'),
      hint: expect.stringContaining('create a new token'),
    });
    expect(problem?.message).toContain('invalid_auth');

    await store().write(id, 'replica-a', { credentialsRefused: null });
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);

    await store().write(id, 'replica-a', {
      credentialsRefused: { message: 'token expired', at: new Date() },
    });
    await monitor.pass();
    expect(await codesOf(id)).toEqual(['token_revoked']);
    // Saving a new token is the fix: a refusal from before the change no longer counts.
    const stored = await runtime.stores.installations.getWithSecrets(id);
    await runtime.stores.installations.replaceConfig(workspaceId, id, {
      config: stored.config,
      secrets: { token: 'token-2' },
    });
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);
  });

  it('reports repeated signature failures in the window, not fewer, and clears on a verified event', async () => {
    const { id } = await seedInstallation(runtime, { channelType: 'fake-webhook' });
    for (let i = 0; i < 4; i++) await store().addSignatureFailures(id, 'replica-a', 1, 600_000);
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);

    await store().addSignatureFailures(id, 'replica-b', 1, 600_000);
    await monitor.pass();
    const [problem] = await problemsOf(id);
    expect(problem).toMatchObject({
      code: 'signature_failures',
      message: expect.stringContaining('5 webhooks failed their signature check'),
      hint: expect.stringContaining('signing secret'),
    });

    await new Promise((resolve) => setTimeout(resolve, 5));
    await store().write(id, 'replica-a', { lastInboundAt: new Date(Date.now() + 1_000) });
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);
  });

  it('starts a new count once the window has passed', async () => {
    const { id } = await seedInstallation(runtime, { channelType: 'fake-webhook' });
    await store().addSignatureFailures(id, 'replica-a', 5, 600_000);
    await monitor.pass();
    expect(await codesOf(id)).toEqual(['signature_failures']);
    // The window opened 20 minutes ago (as the database sees it): the old failures are forgotten.
    await test.db.prisma.$executeRaw`
      UPDATE channel_installation_status
         SET signature_window_started_at = now() - interval '20 minutes'
       WHERE installation_id = ${id}::uuid`;
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);
    await store().addSignatureFailures(id, 'replica-a', 1, 600_000);
    expect((await store().get(id))?.signatureFailures).toBe(1);
  });

  it('reports a connection whose holder stopped confirming it, and one that went silent', async () => {
    const { id } = await seedInstallation(runtime);
    await test.db.prisma.$executeRaw`
      UPDATE channel_installation
         SET lease_owner = 'replica-gone', lease_expires_at = now() - interval '10 minutes'
       WHERE id = ${id}::uuid`;
    await store().write(id, 'replica-gone', { state: 'connected', leaseHolder: 'replica-gone' });
    await monitor.pass();
    const [problem] = await problemsOf(id);
    expect(problem).toMatchObject({
      code: 'stale_connection',
      message: expect.stringContaining('replica-gone has not confirmed it'),
      hint: expect.stringContaining('park and unpark'),
    });

    // A live lease confirms it again.
    await test.db.prisma.$executeRaw`
      UPDATE channel_installation SET lease_expires_at = now() + interval '30 seconds' WHERE id = ${id}::uuid`;
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);

    // The holder itself saw its channel go silent past the heartbeat.
    await store().write(id, 'replica-gone', { staleSince: new Date() });
    await monitor.pass();
    expect(await problemsOf(id)).toEqual([
      expect.objectContaining({ code: 'stale_connection', message: expect.stringContaining('no pong') }),
    ]);
    await store().write(id, 'replica-gone', { staleSince: null });
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);
  });

  it('keeps when a problem was first seen and writes nothing on a pass that finds the same', async () => {
    const { id } = await seedInstallation(runtime);
    await store().write(id, 'replica-a', { state: 'failed', lastError: null });
    await monitor.pass();
    const [first] = await problemsOf(id);
    expect(first?.code).toBe('restart_budget_exhausted');
    await store().write(id, 'replica-a', { state: 'failed' });
    expect(await monitor.pass()).toBe(0);
    expect((await problemsOf(id))[0]?.since).toBe(first?.since);
  });

  it('reports nothing for a revoked installation', async () => {
    const { id, workspaceId } = await seedInstallation(runtime);
    await store().write(id, 'replica-a', { state: 'failed' });
    await monitor.pass();
    expect(await codesOf(id)).toEqual(['restart_budget_exhausted']);
    await runtime.stores.installations.revoke(workspaceId, id);
    await monitor.pass();
    expect(await codesOf(id)).toEqual([]);
  });

  it('reports a spent restart budget after the supervisor gives up, and clears once it reconnects', async () => {
    const { id, workspaceId } = await seedInstallation(runtime, { config: { mode: 'throw' } });
    const { supervisor } = start(runtime, { restartBudget: 3 });
    const reporter = new StatusReporter({
      store: store(),
      replicaId: supervisor.ownerId,
      logger: quiet(),
      connections: () => supervisor.statuses(),
    });
    try {
      await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('failed'), { timeout: 10_000 });
      const connects = world.of(id).connectCalls;
      expect(connects).toBe(3);
      await reporter.flush();
      await monitor.pass();
      const [problem] = await problemsOf(id);
      expect(problem).toMatchObject({
        code: 'restart_budget_exhausted',
        message: expect.stringContaining('platform refused the connection'),
      });
      // No reconnect while the budget is spent.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(world.of(id).connectCalls).toBe(connects);

      // Saving a config that works starts it again.
      const stored = await runtime.stores.installations.getWithSecrets(id);
      await runtime.stores.installations.replaceConfig(workspaceId, id, {
        config: { ...stored.config, mode: 'ok' },
        secrets: stored.secrets,
      });
      await vi.waitFor(() => expect(supervisor.status(id)?.state).toBe('connected'), { timeout: 10_000 });
      await reporter.flush();
      await monitor.pass();
      expect(await codesOf(id)).toEqual([]);
    } finally {
      await supervisor.stop();
      await reporter.stop();
    }
  });
});
