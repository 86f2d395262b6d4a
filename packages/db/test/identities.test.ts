import { NotFoundError } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey, SecretBox } from '../src/secrets/secret-box.js';
import {
  createStores,
  DeactivatedError,
  IdentityConflictError,
  type Stores,
  UsernameTakenError,
} from '../src/stores/index.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../src/testing/index.js';

describe.each(testDatabaseKinds())('identity store [%s]', (kind) => {
  let test: TestDatabase;
  let stores: Stores;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    stores = createStores(test.db.prisma, SecretBox.fromSpec(generateSecretKey()));
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('finds a linked identity with its user, and answers NotFoundError for an unknown one', async () => {
    const user = await stores.users.create({ username: 'find-me' });
    await stores.identities.link({
      userId: user.id,
      namespace: 'slack',
      identifier: 'T1:U1',
      source: 'admin',
    });
    expect(await stores.identities.find('slack', 'T1:U1')).toMatchObject({
      userId: user.id,
      source: 'admin',
      status: 'active',
      user: { id: user.id, username: 'find-me', status: 'active' },
    });
    await expect(stores.identities.find('slack', 'T1:U2')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('links idempotently for the same user and refuses an identity held by another user', async () => {
    const alice = await stores.users.create({ username: 'link-alice' });
    const bob = await stores.users.create({ username: 'link-bob' });
    const input = {
      userId: alice.id,
      namespace: 'email',
      identifier: 'alice@link.test',
      source: 'admin',
    } as const;
    expect((await stores.identities.link(input)).status).toBe('linked');
    expect((await stores.identities.link({ ...input, source: 'provisioned' })).status).toBe('already_linked');
    // The first recorded source stands: a later, weaker source never overwrites it.
    expect((await stores.identities.find('email', 'alice@link.test')).source).toBe('admin');
    const refused = stores.identities.link({ ...input, userId: bob.id });
    await expect(refused).rejects.toBeInstanceOf(IdentityConflictError);
    await expect(refused).rejects.toMatchObject({ ownerUserId: alice.id, code: 'conflict' });
  });

  it('links several identities all or none', async () => {
    const alice = await stores.users.create({ username: 'many-alice' });
    const bob = await stores.users.create({ username: 'many-bob' });
    await stores.identities.link({
      userId: bob.id,
      namespace: 'wa_jid',
      identifier: '1555@s.whatsapp.net',
      source: 'admin',
    });
    await expect(
      stores.identities.linkMany([
        { userId: alice.id, namespace: 'phone', identifier: '+1555', source: 'admin' },
        { userId: alice.id, namespace: 'wa_jid', identifier: '1555@s.whatsapp.net', source: 'admin' },
      ]),
    ).rejects.toBeInstanceOf(IdentityConflictError);
    await expect(stores.identities.find('phone', '+1555')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('never re-activates a deactivated identity', async () => {
    const user = await stores.users.create({ username: 'gone-identity' });
    await stores.identities.link({
      userId: user.id,
      namespace: 'github_id',
      identifier: '42',
      source: 'admin',
    });
    await test.db.prisma.identity.updateMany({
      where: { identifier: '42' },
      data: { status: 'deactivated' },
    });
    await expect(stores.identities.find('github_id', '42')).rejects.toBeInstanceOf(DeactivatedError);
    await expect(
      stores.identities.link({ userId: user.id, namespace: 'github_id', identifier: '42', source: 'admin' }),
    ).rejects.toBeInstanceOf(DeactivatedError);
    const row = await test.db.prisma.identity.findFirst({ where: { identifier: '42' } });
    expect(row?.status).toBe('deactivated');
  });

  it('resolves an identity to its user and workspaces, trusting only the listed sources', async () => {
    const one = await stores.workspaces.create({ slug: 'resolve-one' });
    const two = await stores.workspaces.create({ slug: 'resolve-two' });
    const user = await stores.users.create({ username: 'resolve-me' });
    await stores.members.upsert(one.id, user.id, 'admin');
    await stores.members.upsert(two.id, user.id, 'member');
    await stores.identities.link({
      userId: user.id,
      namespace: 'email',
      identifier: 'me@resolve.test',
      source: 'provisioned',
    });
    const resolved = await stores.identities.resolve('email', 'me@resolve.test');
    expect(resolved.user).toEqual({ id: user.id, username: 'resolve-me', status: 'active' });
    expect(resolved.workspaces).toEqual([
      { workspaceId: one.id, role: 'admin' },
      { workspaceId: two.id, role: 'member' },
    ]);
    await expect(
      stores.identities.resolve('email', 'me@resolve.test', { sources: ['admin', 'directory_verified'] }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists a user's identities", async () => {
    const user = await stores.users.create({ username: 'list-me' });
    await stores.identities.linkMany([
      { userId: user.id, namespace: 'auth', identifier: user.id, source: 'admin' },
      { userId: user.id, namespace: 'email', identifier: 'list@me.test', source: 'admin' },
    ]);
    const listed = await stores.identities.listForUser(user.id);
    expect(listed.map((i) => `${i.namespace}=${i.identifier}`).sort()).toEqual([
      `auth=${user.id}`,
      'email=list@me.test',
    ]);
  });

  it('creates a user, identity and membership together, or nothing when the identity is taken', async () => {
    const ws = await stores.workspaces.create({ slug: 'create-together' });
    const created = await stores.identities.createUserWithIdentity({
      user: { username: 'together', displayName: 'To Gether' },
      identity: { namespace: 'slack', identifier: 'T9:U9', source: 'provisioned' },
      membership: { workspaceId: ws.id, role: 'member' },
    });
    expect(await stores.members.find(ws.id, created.userId)).toMatchObject({ role: 'member' });
    const user = await test.db.prisma.user.findUnique({ where: { id: created.userId } });
    expect(user?.passwordHash).toBeNull();

    await expect(
      stores.identities.createUserWithIdentity({
        user: { username: 'together-2' },
        identity: { namespace: 'slack', identifier: 'T9:U9', source: 'provisioned' },
        membership: { workspaceId: ws.id, role: 'member' },
      }),
    ).rejects.toBeInstanceOf(IdentityConflictError);
    expect(await stores.users.findByUsername('together-2')).toBeNull();

    await expect(
      stores.identities.createUserWithIdentity({
        user: { username: 'together' },
        identity: { namespace: 'slack', identifier: 'T9:U10', source: 'provisioned' },
        membership: { workspaceId: ws.id, role: 'member' },
      }),
    ).rejects.toBeInstanceOf(UsernameTakenError);
    await expect(stores.identities.find('slack', 'T9:U10')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('joins a workspace without changing an existing role, and refuses a deactivated user', async () => {
    const ws = await stores.workspaces.create({ slug: 'join-ws' });
    const user = await stores.users.create({ username: 'joiner' });
    await stores.members.upsert(ws.id, user.id, 'admin');
    expect(
      (await stores.identities.joinWorkspace({ userId: user.id, workspaceId: ws.id, role: 'member' })).joined,
    ).toBe(false);
    expect((await stores.members.find(ws.id, user.id))?.role).toBe('admin');

    const other = await stores.workspaces.create({ slug: 'join-other' });
    const joined = await stores.identities.joinWorkspace({
      userId: user.id,
      workspaceId: other.id,
      role: 'member',
      identities: [{ namespace: 'feishu_union', identifier: 'on_joiner', source: 'provisioned' }],
    });
    expect(joined.joined).toBe(true);
    expect(joined.links.map((l) => l.status)).toEqual(['linked']);

    const gone = await stores.users.create({ username: 'joiner-gone' });
    await test.db.prisma.user.update({ where: { id: gone.id }, data: { status: 'deactivated' } });
    await expect(
      stores.identities.joinWorkspace({ userId: gone.id, workspaceId: ws.id, role: 'member' }),
    ).rejects.toBeInstanceOf(DeactivatedError);
    expect(await stores.members.find(ws.id, gone.id)).toBeNull();
  });
});
