// Two hub replicas on two database clients of one PostgreSQL database: the replica holding an
// installation's long connection writes its status, and the other serves it from the database.
import { Writable } from 'node:stream';
import type { InboundEvent } from '@switchboard/core';
import { generateSecretKey, openDatabase } from '@switchboard/db';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '@switchboard/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildHub } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import { FakeWorld } from '../supervisor/fake-long-connection.js';
import { runtimeFor, seedInstallation } from '../supervisor/harness.js';

const wait = { timeout: 20_000, interval: 25 };
const quiet = () =>
  createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

function message(installationId: string, id: string): InboundEvent {
  return {
    kind: 'message',
    eventId: id,
    message: {
      platformMessageId: id,
      source: {
        channelType: 'fake-long',
        installationId,
        chatId: 'chat-1',
        chatType: 'direct',
        sender: { id: 'user-1', isBot: false, isExternal: false },
      },
      msgType: 'text',
      text: 'hello',
      media: [],
      mentions: [],
      mentionsBot: true,
      sentAt: new Date().toISOString(),
    },
  };
}

describe.runIf(postgresTestUrl())('installation status in the database [postgres]', () => {
  let test: TestDatabase;
  const world = new FakeWorld();
  let runtimeA: HubRuntime;
  let runtimeB: HubRuntime;
  let hubA: FastifyInstance;
  let hubB: FastifyInstance;
  let installation: { id: string; workspaceId: string };
  let token: string;

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    const secretKey = generateSecretKey();
    runtimeA = runtimeFor(test.db, secretKey, world);
    runtimeB = runtimeFor(await openDatabase({ url: test.url, poolSize: 3 }), secretKey, world);
    installation = await seedInstallation(runtimeA);
    const user = await runtimeA.stores.users.create({ username: 'status-reader' });
    await runtimeA.stores.members.upsert(installation.workspaceId, user.id, 'member');
    token = (
      await runtimeA.stores.apiTokens.issue({ userId: user.id, workspaceId: installation.workspaceId })
    ).token;
    const common = { logger: quiet(), workers: false, statusIntervalMs: 50 } as const;
    // A holds the connection; B serves HTTP only (connections parked), on its own database client.
    ({ app: hubA } = await buildHub({
      ...common,
      runtime: runtimeA,
      replicaId: 'replica-a',
      // A long TTL: a loaded machine must not lose the lease by itself before the test takes it.
      connections: { leaseTtlMs: 10_000, scanEveryMs: 50 },
    }));
    ({ app: hubB } = await buildHub({
      ...common,
      runtime: runtimeB,
      replicaId: 'replica-b',
      connections: { disabled: true, scanEveryMs: 50 },
    }));
  });
  afterAll(async () => {
    await hubA?.close();
    await hubB?.close();
    await runtimeB?.close();
    await test?.drop();
  });

  const statusFromB = async () => {
    const res = await hubB.inject({
      method: 'GET',
      url: `/api/v1/workspaces/${installation.workspaceId}/installations/${installation.id}/status`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json().runtime;
  };
  const metricsOf = async (hub: FastifyInstance) =>
    (await hub.inject({ method: 'GET', url: '/metrics' })).body;

  it('shows the holder’s connection on the other replica, with the holder as lease holder', async () => {
    await vi.waitFor(async () => {
      expect(await statusFromB()).toMatchObject({
        connected: true,
        connectionState: 'connected',
        leaseHolder: 'replica-a',
        reportedBy: 'replica-a',
        reconnectCount: 0,
      });
    }, wait);
  });

  it('shows the last inbound event a connection recorded', async () => {
    await world.lastContext(installation.id).emit(message(installation.id, 'ev-status-1'));
    await vi.waitFor(async () => {
      expect((await statusFromB()).lastInboundAt).toEqual(expect.any(String));
    }, wait);
  });

  it('counts a reconnect and reports its error with a fix hint', async () => {
    world.lastContext(installation.id).reportConnectionLost?.(new Error('socket closed: invalid_auth'));
    await vi.waitFor(async () => {
      const status = await statusFromB();
      expect(status).toMatchObject({
        connectionState: 'connected',
        reconnectCount: 1,
        leaseHolder: 'replica-a',
        lastError: 'socket closed: invalid_auth',
      });
      expect(status.lastErrorHint).toContain('credentials');
    }, wait);
    expect(await metricsOf(hubA)).toContain('switchboard_connection_reconnects_total 1');
    expect(await metricsOf(hubB)).toContain('switchboard_connection_reconnects_total 0');
  });

  it('counts a lost lease on the replica that lost it', async () => {
    // Another holder takes the lease over behind A's back: A's next renew matches no row.
    await runtimeB.database.prisma.$executeRaw`
      UPDATE channel_installation
         SET lease_owner = 'replica-elsewhere', lease_generation = lease_generation + 1,
             lease_expires_at = now() + interval '1 hour'
       WHERE id = ${installation.id}::uuid`;
    await vi.waitFor(async () => {
      expect(await metricsOf(hubA)).toContain('switchboard_connection_lease_losses_total 1');
    }, wait);
    expect(await metricsOf(hubB)).toContain('switchboard_connection_lease_losses_total 0');
  });

  it('answers 404 for another workspace’s installation', async () => {
    const other = await seedInstallation(runtimeA);
    const res = await hubB.inject({
      method: 'GET',
      url: `/api/v1/workspaces/${installation.workspaceId}/installations/${other.id}/status`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(404);
  });
});
