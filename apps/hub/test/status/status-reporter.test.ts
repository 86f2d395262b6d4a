import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { generateSecretKey } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import { StatusReporter } from '../../src/status/status-reporter.js';
import type { ConnectionStatus } from '../../src/supervisor/index.js';
import { FakeWorld } from '../supervisor/fake-long-connection.js';
import { runtimeFor, seedInstallation } from '../supervisor/harness.js';

const quiet = () =>
  createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

describe.each(testDatabaseKinds())('status reporter [%s]', (kind) => {
  let test: TestDatabase;
  let runtime: HubRuntime;
  let installationId: string;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    runtime = runtimeFor(test.db, generateSecretKey(), new FakeWorld());
    installationId = (await seedInstallation(runtime)).id;
  });
  afterAll(async () => {
    await test?.drop();
  });

  const connection = (overrides: Partial<ConnectionStatus>): ConnectionStatus => ({
    installationId,
    connected: false,
    leaseOwner: null,
    leaseGeneration: '1',
    reconnectAttempts: 0,
    reconnects: 0,
    leaseLosses: 0,
    state: 'parked',
    ...overrides,
  });

  it('writes nothing between flushes, then one row with the latest of everything reported', async () => {
    let view = [connection({ state: 'connected', connected: true, leaseOwner: 'replica-r' })];
    const reporter = new StatusReporter({
      store: runtime.stores.installationStatus,
      replicaId: 'replica-r',
      logger: quiet(),
      connections: () => view,
    });
    for (let second = 1; second <= 50; second++) reporter.inbound(installationId, new Date(second * 1_000));
    reporter.inbound(installationId, new Date(10_000)); // late and older: never moves the time back
    expect(await runtime.stores.installationStatus.get(installationId)).toBeNull();
    await reporter.flush();
    expect(await runtime.stores.installationStatus.get(installationId)).toMatchObject({
      state: 'connected',
      leaseHolder: 'replica-r',
      reportedBy: 'replica-r',
      lastInboundAt: new Date(50_000),
      reconnectCount: 0,
    });

    view = [
      connection({
        state: 'backoff',
        leaseOwner: 'replica-r',
        reconnects: 2,
        lastError: 'platform answered 429',
        lastErrorAt: new Date(60_000).toISOString(),
      }),
    ];
    await reporter.flush();
    await reporter.flush(); // nothing changed: the count is not added twice
    expect(await runtime.stores.installationStatus.get(installationId)).toMatchObject({
      state: 'backoff',
      reconnectCount: 2,
      lastError: 'platform answered 429',
      lastErrorHint: expect.stringContaining('rate limiting'),
      lastInboundAt: new Date(50_000),
    });
  });

  it('does not overwrite the holder’s report with the view of a replica that only sees the lease', async () => {
    const bystander = new StatusReporter({
      store: runtime.stores.installationStatus,
      replicaId: 'replica-other',
      logger: quiet(),
      connections: () => [connection({ state: 'parked', leaseOwner: 'replica-r' })],
    });
    await bystander.flush();
    expect(await runtime.stores.installationStatus.get(installationId)).toMatchObject({
      state: 'backoff',
      reportedBy: 'replica-r',
    });
  });

  it('writes many installations in one statement by the rules of a single write', async () => {
    const store = runtime.stores.installationStatus;
    const existing = (await seedInstallation(runtime)).id;
    const fresh = (await seedInstallation(runtime)).id;
    const gone = randomUUID();
    await store.write(existing, 'replica-a', {
      state: 'connected',
      lastInboundAt: new Date(50_000),
      reconnects: 1,
      lastError: { message: 'platform answered 429', hint: 'slow down', at: new Date(40_000) },
    });

    const outcome = await store.writeMany(
      'replica-b',
      new Map([
        // Older traffic never moves the time back; absent fields keep what is stored.
        [existing, { lastInboundAt: new Date(10_000), lastOutboundAt: new Date(60_000), reconnects: 2 }],
        [fresh, { lastInboundAt: new Date(5_000), reconnects: 1, staleSince: null }],
        [gone, { lastInboundAt: new Date(5_000) }],
      ]),
    );

    expect(outcome).toEqual({ gone: [gone], failed: [] });
    expect(await store.get(existing)).toMatchObject({
      state: 'connected',
      reportedBy: 'replica-b',
      lastInboundAt: new Date(50_000),
      lastOutboundAt: new Date(60_000),
      reconnectCount: 3,
      lastError: 'platform answered 429',
      lastErrorHint: 'slow down',
    });
    expect(await store.get(fresh)).toMatchObject({
      state: 'webhook',
      reportedBy: 'replica-b',
      lastInboundAt: new Date(5_000),
      lastOutboundAt: null,
      reconnectCount: 1,
      lastError: null,
      staleSince: null,
    });
    expect(await store.get(gone)).toBeNull();
  });

  it('flushes the traffic of many installations at once', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, async () => (await seedInstallation(runtime)).id),
    );
    const reporter = new StatusReporter({
      store: runtime.stores.installationStatus,
      replicaId: 'replica-r',
      logger: quiet(),
    });
    for (const [i, id] of ids.entries()) reporter.inbound(id, new Date(100_000 + i));
    await reporter.flush();
    const rows = await runtime.stores.installationStatus.getMany(ids);
    expect(ids.map((id) => rows.get(id)?.lastInboundAt)).toEqual(ids.map((_, i) => new Date(100_000 + i)));
  });
});
