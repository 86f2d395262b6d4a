import { Writable } from 'node:stream';
import { generateSecretKey } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildHub } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import type { HubRuntime } from '../../src/runtime/open-runtime.js';
import { FakeWorld } from '../supervisor/fake-long-connection.js';
import { runtimeFor, seedAgent, seedInstallation } from '../supervisor/harness.js';

/**
 * A long-connection channel gets the hub's user provisioner as `ctx.provisioner` (for platform
 * events such as "member joined"), and it always provisions into its own installation's workspace.
 */
describe.each(testDatabaseKinds())('ctx.provisioner of a channel [%s]', (kind) => {
  let test: TestDatabase;
  let runtime: HubRuntime;
  let hub: FastifyInstance;
  const world = new FakeWorld();
  let installation: { id: string; workspaceId: string };

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    runtime = runtimeFor(test.db, generateSecretKey(), world);
    installation = await seedInstallation(runtime);
    const owner = await runtime.stores.users.create({ username: 'ctx-owner' });
    await runtime.stores.members.upsert(installation.workspaceId, owner.id, 'owner');
    ({ app: hub } = await buildHub({
      runtime,
      logger: createLogger({
        level: 'silent',
        destination: new Writable({ write: (_c, _e, done) => done() }),
      }),
      workers: false,
      connections: { leaseTtlMs: 10_000, scanEveryMs: 50 },
    }));
  });
  afterAll(async () => {
    await hub?.close();
    await test?.drop();
  });

  it('provisions a member into the installation’s workspace, whatever workspace the channel names', async () => {
    await vi.waitFor(() => expect(world.of(installation.id).contexts.length).toBeGreaterThan(0), {
      timeout: 15_000,
      interval: 25,
    });
    const ctx = world.lastContext(installation.id);
    expect(ctx.provisioner).toBeDefined();
    const elsewhere = await seedAgent(runtime);
    const result = await ctx.provisioner?.provisionUser({
      workspaceId: elsewhere.workspaceId,
      // A namespace the hub itself knows: this fake channel's plugin contributes none.
      namespace: 'phone',
      externalId: '+14155550123',
      displayName: 'Joiner',
      event: { installationId: 'not-this-installation', channelType: 'fake-long', channelUserId: 'U0JOINED' },
    });
    expect(result).toMatchObject({ status: 'created' });
    const userId = result?.userId ?? '';
    expect(await runtime.stores.members.find(installation.workspaceId, userId)).not.toBeNull();
    expect(await runtime.stores.members.find(elsewhere.workspaceId, userId)).toBeNull();
    const audit = await test.db.prisma.channelInboundAudit.findMany({ where: { reason: 'provisioned' } });
    expect(audit.map((row) => row.installationId)).toEqual([installation.id]);
  });
});
