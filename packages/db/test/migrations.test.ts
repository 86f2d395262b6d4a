import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/database/open.js';
import { diffSchemaAgainstMigrations } from '../src/migrate/diff.js';
import { readMigrationFolder } from '../src/migrate/migration-folder.js';
import { applyMigrations, migrationStatus } from '../src/migrate/runner.js';
import { migrationsDir } from '../src/paths.js';
import { createTestDatabase, testDatabaseKinds } from '../src/testing/index.js';

describe('committed migrations', () => {
  it('match schema.prisma (no pending diff)', async () => {
    expect(await diffSchemaAgainstMigrations()).toBe('');
  });
});

describe.each(testDatabaseKinds())('migration runner [%s]', (kind) => {
  it('applies every migration once, then reports the database up to date', async () => {
    const test = await createTestDatabase(kind, { migrate: false });
    try {
      const adapterFactory = test.db.adapterFactory;
      const before = await migrationStatus({ adapterFactory });
      const all = (await readMigrationFolder(migrationsDir)).migrationDirectories.map((m) => m.path);
      expect(before.upToDate).toBe(false);
      expect(before.pending).toEqual(all);

      expect(await applyMigrations({ adapterFactory })).toEqual(all);
      expect(await applyMigrations({ adapterFactory })).toEqual([]);

      const after = await migrationStatus({ adapterFactory });
      expect(after).toMatchObject({
        upToDate: true,
        pending: [],
        failed: [],
        edited: [],
        appliedCount: all.length,
      });
    } finally {
      await test.drop();
    }
  });

  it('enforces the hand-written unique index on (channel_type, app_key, installation_key)', async () => {
    const test = await createTestDatabase(kind);
    try {
      const { prisma } = test.db;
      const ws = await prisma.workspace.create({ data: { slug: 'acme', name: 'Acme' } });
      const agents = await Promise.all(
        ['a1', 'a2', 'a3', 'a4', 'a5'].map((name) =>
          prisma.agent.create({ data: { workspaceId: ws.id, name, deliveryUrl: 'http://x' } }),
        ),
      );
      const install = (agent: number, channelType: string, appKey: string | null, installationKey = '') =>
        prisma.channelInstallation.create({
          data: {
            workspaceId: ws.id,
            agentId: agents[agent]?.id ?? '',
            channelType,
            config: {},
            appKey,
            installationKey,
          },
        });
      await install(0, 'slack', 'A1');
      await expect(install(1, 'slack', 'A1')).rejects.toMatchObject({ code: 'P2002' });
      // Another installation of the same app (another tenant of an ISV app) is its own key.
      await install(1, 'slack', 'A1', 'tenant-b');
      await expect(install(2, 'slack', 'A1', 'tenant-b')).rejects.toMatchObject({ code: 'P2002' });
      // Another platform may use the same app id, and installations without one never collide.
      await install(2, 'feishu', 'A1');
      await install(3, 'slack', null);
      await install(4, 'slack', null);
    } finally {
      await test.drop();
    }
  });

  it('frees an app key when its installation is revoked (unique among active installations only)', async () => {
    const test = await createTestDatabase(kind);
    try {
      const { prisma } = test.db;
      const ws = await prisma.workspace.create({ data: { slug: 'acme', name: 'Acme' } });
      const other = await prisma.workspace.create({ data: { slug: 'other', name: 'Other' } });
      const a1 = await prisma.agent.create({
        data: { workspaceId: ws.id, name: 'a1', deliveryUrl: 'http://x' },
      });
      const a2 = await prisma.agent.create({
        data: { workspaceId: other.id, name: 'a2', deliveryUrl: 'http://x' },
      });
      const keys = { channelType: 'slack', config: { app_id: 'A1' }, appKey: 'A1', installationKey: 't' };
      const first = await prisma.channelInstallation.create({
        data: { workspaceId: ws.id, agentId: a1.id, ...keys },
      });
      await prisma.channelInstallation.update({ where: { id: first.id }, data: { status: 'revoked' } });
      await prisma.channelInstallation.create({ data: { workspaceId: other.id, agentId: a2.id, ...keys } });
      // Re-activating the revoked one while the new one is active collides again.
      await expect(
        prisma.channelInstallation.update({ where: { id: first.id }, data: { status: 'active' } }),
      ).rejects.toMatchObject({ code: 'P2002' });
    } finally {
      await test.drop();
    }
  });

  it('scopes identities: one hub-wide row per key, one per workspace for admin-asserted ones', async () => {
    const test = await createTestDatabase(kind);
    try {
      const { prisma } = test.db;
      const a = await prisma.workspace.create({ data: { slug: 'a', name: 'A' } });
      const b = await prisma.workspace.create({ data: { slug: 'b', name: 'B' } });
      const u1 = await prisma.user.create({ data: { username: 'u1' } });
      const u2 = await prisma.user.create({ data: { username: 'u2' } });
      const key = { namespace: 'email', identifier: 'x@scope.test' };
      await prisma.identity.create({ data: { ...key, userId: u1.id, source: 'admin', workspaceId: a.id } });
      await prisma.identity.create({ data: { ...key, userId: u2.id, source: 'admin', workspaceId: b.id } });
      await prisma.identity.create({ data: { ...key, userId: u2.id, source: 'directory_verified' } });
      await expect(
        prisma.identity.create({ data: { ...key, userId: u1.id, source: 'provisioned' } }),
      ).rejects.toMatchObject({ code: 'P2002' });
      await expect(
        prisma.identity.create({ data: { ...key, userId: u2.id, source: 'admin', workspaceId: a.id } }),
      ).rejects.toMatchObject({ code: 'P2002' });
    } finally {
      await test.drop();
    }
  });
});

describe('embedded PGlite data dir', () => {
  it('persists across restarts and applies nothing on the second start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sb-pglite-'));
    try {
      const first = await openDatabase({ dataDir });
      expect((await applyMigrations({ adapterFactory: first.adapterFactory })).length).toBeGreaterThan(0);
      await first.prisma.workspace.create({ data: { slug: 'kept', name: 'Kept' } });
      await first.close();

      const second = await openDatabase({ dataDir });
      expect(await applyMigrations({ adapterFactory: second.adapterFactory })).toEqual([]);
      expect(await second.prisma.workspace.findUnique({ where: { slug: 'kept' } })).not.toBeNull();
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
