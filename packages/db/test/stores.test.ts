import { NotFoundError } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey, SecretBox } from '../src/secrets/secret-box.js';
import {
  ConflictError,
  configKey,
  createStores,
  type InstallationKeyRule,
  type Stores,
} from '../src/stores/index.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../src/testing/index.js';

describe.each(testDatabaseKinds())('stores [%s]', (kind) => {
  let test: TestDatabase;
  let stores: Stores;
  const box = SecretBox.fromSpec(generateSecretKey());

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    stores = createStores(test.db.prisma, box);
  });
  afterAll(async () => {
    await test?.drop();
  });

  async function workspaceWithAgent(slug: string) {
    const ws = await stores.workspaces.create({ slug, name: slug.toUpperCase() });
    const agent = await stores.agents.create({
      workspaceId: ws.id,
      name: 'bot',
      deliveryUrl: 'http://127.0.0.1:9/agent',
    });
    return { ws, agent };
  }

  it('creates a workspace and refuses a duplicate slug', async () => {
    const ws = await stores.workspaces.create({ slug: 'dup', name: 'Dup' });
    expect(await stores.workspaces.resolve('dup')).toMatchObject({ id: ws.id });
    expect(await stores.workspaces.resolve(ws.id)).toMatchObject({ slug: 'dup' });
    await expect(stores.workspaces.create({ slug: 'dup' })).rejects.toBeInstanceOf(ConflictError);
    await expect(stores.workspaces.resolve('missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('adds members, changes roles and counts admins', async () => {
    const ws = await stores.workspaces.create({ slug: 'members' });
    const alice = await stores.users.create({ username: 'alice-m', email: 'Alice@Example.com' });
    expect(alice.email).toBe('alice@example.com');
    await stores.members.upsert(ws.id, alice.id, 'member');
    expect(await stores.members.countAdmins(ws.id)).toBe(0);
    await stores.members.upsert(ws.id, alice.id, 'admin');
    expect(await stores.members.countAdmins(ws.id)).toBe(1);
    expect(await stores.members.list(ws.id)).toEqual([
      expect.objectContaining({ userId: alice.id, username: 'alice-m', role: 'admin' }),
    ]);
    await expect(stores.users.create({ username: 'alice-m' })).rejects.toBeInstanceOf(ConflictError);
  });

  it("prunes a removed member's bindings on every channel of the workspace, and only there", async () => {
    const { ws, agent } = await workspaceWithAgent('prune');
    const other = await workspaceWithAgent('prune-other');
    const bob = await stores.users.create({ username: 'bob-prune' });
    await stores.members.upsert(ws.id, bob.id, 'member');
    await stores.members.upsert(other.ws.id, bob.id, 'member');
    const mine = await stores.installations.create({
      workspaceId: ws.id,
      agentId: agent.id,
      channelType: 'echo',
      config: {},
      secrets: {},
    });
    const theirs = await stores.installations.create({
      workspaceId: other.ws.id,
      agentId: other.agent.id,
      channelType: 'echo',
      config: {},
      secrets: {},
    });
    for (const inst of [mine, theirs]) {
      await test.db.prisma.channelUserBinding.create({
        data: { installationId: inst.id, channelType: 'echo', channelUserId: 'U1', userId: bob.id },
      });
    }
    expect(await stores.members.remove(ws.id, bob.id)).toEqual({ prunedBindings: 1 });
    expect(await stores.members.find(ws.id, bob.id)).toBeNull();
    expect(await test.db.prisma.channelUserBinding.count({ where: { userId: bob.id } })).toBe(1);
    await expect(stores.members.remove(ws.id, bob.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reads the bindings, memberships and sessions of many senders and chats in one query each', async () => {
    const { ws, agent } = await workspaceWithAgent('batch-reads');
    const inst = await stores.installations.create({
      workspaceId: ws.id,
      agentId: agent.id,
      channelType: 'echo',
      config: {},
      secrets: {},
    });
    const member = await stores.users.create({ username: 'batch-member' });
    const former = await stores.users.create({ username: 'batch-former' });
    await stores.members.upsert(ws.id, member.id, 'member');
    for (const [channelUserId, userId] of [
      ['U-member', member.id],
      ['U-former', former.id],
    ] as const) {
      await test.db.prisma.channelUserBinding.create({
        data: { installationId: inst.id, channelType: 'echo', channelUserId, userId },
      });
    }
    const key = (channelUserId: string) => ({ installationId: inst.id, workspaceId: ws.id, channelUserId });
    expect(
      await stores.bindings.findManyWithMembership([
        key('U-former'),
        key('U-nobody'),
        key('U-member'),
        key('U-member'),
      ]),
    ).toEqual([
      { userId: former.id, username: 'batch-former', isMember: false },
      null,
      { userId: member.id, username: 'batch-member', isMember: true },
      { userId: member.id, username: 'batch-member', isMember: true },
    ]);
    await stores.bindings.bindSession({
      installationId: inst.id,
      channelType: 'echo',
      channelChatId: 'C-1',
      sessionId: 'session-1',
    });
    const chat = (channelChatId: string) => ({ installationId: inst.id, channelChatId });
    expect(await stores.bindings.sessionsFor([chat('C-2'), chat('C-1')])).toEqual([null, 'session-1']);
    // Concurrent single reads share a query and still get their own answers.
    const [a, b, c] = await Promise.all([
      stores.bindings.findWithMembership(inst.id, ws.id, 'U-member'),
      stores.bindings.sessionFor(inst.id, 'C-1'),
      stores.bindings.findWithMembership(inst.id, ws.id, 'U-nobody'),
    ]);
    expect([a?.userId, b, c]).toEqual([member.id, 'session-1', null]);
  });

  it('seals agent delivery secrets and never exposes them on the record', async () => {
    const ws = await stores.workspaces.create({ slug: 'agents' });
    const agent = await stores.agents.create({
      workspaceId: ws.id,
      name: 'a',
      deliveryUrl: 'http://x',
      deliverySecret: 'whsec-123',
    });
    expect(JSON.stringify(agent)).not.toContain('whsec-123');
    expect(agent.hasDeliverySecret).toBe(true);
    const row = await test.db.prisma.agent.findUnique({ where: { id: agent.id } });
    expect(row?.deliverySecretSealed).toMatch(/^sb1\./);
    expect(await stores.agents.deliverySecret(agent.id)).toBe('whsec-123');
    await expect(
      stores.agents.create({ workspaceId: ws.id, name: 'a', deliveryUrl: 'http://y' }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it("reads another workspace's agent or installation as not found", async () => {
    const a = await workspaceWithAgent('scope-a');
    const b = await workspaceWithAgent('scope-b');
    const inst = await stores.installations.create({
      workspaceId: a.ws.id,
      agentId: a.agent.id,
      channelType: 'echo',
      config: {},
      secrets: {},
    });
    await expect(stores.agents.get(b.ws.id, a.agent.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.installations.get(b.ws.id, inst.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.installations.revoke(b.ws.id, inst.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('stores installation secrets sealed and returns them only through getWithSecrets', async () => {
    const { ws, agent } = await workspaceWithAgent('install');
    const inst = await stores.installations.create({
      workspaceId: ws.id,
      agentId: agent.id,
      channelType: 'echo',
      config: { app_id: 'APP1', botUserId: 'B1' },
      secrets: { signingSecret: 'sig-secret-1' },
    });
    expect(JSON.stringify(inst)).not.toContain('sig-secret-1');
    const raw = await test.db.prisma.channelInstallation.findUnique({ where: { id: inst.id } });
    expect(raw?.secretsSealed).toMatch(/^sb1\./);
    expect(JSON.stringify(raw?.config)).not.toContain('sig-secret-1');
    expect((await stores.installations.getWithSecrets(inst.id)).secrets).toEqual({
      signingSecret: 'sig-secret-1',
    });

    const updated = await stores.installations.replaceConfig(ws.id, inst.id, {
      config: { app_id: 'APP1', botUserId: 'B2' },
      secrets: { signingSecret: 'sig-secret-2' },
    });
    expect(updated.config).toEqual({ app_id: 'APP1', botUserId: 'B2' });
    expect((await stores.installations.getWithSecrets(inst.id)).secrets).toEqual({
      signingSecret: 'sig-secret-2',
    });
  });

  it('refuses a second installation for the same agent and channel type, and a reused app id', async () => {
    const { ws, agent } = await workspaceWithAgent('unique');
    const second = await stores.agents.create({
      workspaceId: ws.id,
      name: 'second',
      deliveryUrl: 'http://x',
    });
    await stores.installations.create({
      workspaceId: ws.id,
      agentId: agent.id,
      channelType: 'echo',
      config: { app_id: 'U-APP' },
      secrets: {},
    });
    await expect(
      stores.installations.create({
        workspaceId: ws.id,
        agentId: agent.id,
        channelType: 'echo',
        config: {},
        secrets: {},
      }),
    ).rejects.toThrow(/already has a echo installation/);
    await expect(
      stores.installations.create({
        workspaceId: ws.id,
        agentId: second.id,
        channelType: 'echo',
        config: { app_id: 'U-APP' },
        secrets: {},
      }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('keeps installation keys of one app unique with a rule, and backfills rows written without it', async () => {
    // A rule like the hub's for an app-level route: the app id names the app, `tenant` the installation.
    const rule: InstallationKeyRule = (_type, config) => ({
      appKey: configKey(config, 'app_id'),
      installationKey: configKey(config, 'tenant') ?? '',
      installationKeyField: 'tenant',
    });
    const keyed = createStores(test.db.prisma, box, { installationKeys: rule });
    const a = await workspaceWithAgent('keys-a');
    const b = await workspaceWithAgent('keys-b');
    const c = await workspaceWithAgent('keys-c');
    const install = (ws: { ws: { id: string }; agent: { id: string } }, tenant: string) =>
      keyed.installations.create({
        workspaceId: ws.ws.id,
        agentId: ws.agent.id,
        channelType: 'isv',
        config: { app_id: 'ISV-APP', tenant },
        secrets: {},
      });
    const first = await install(a, 't1');
    await install(b, 't2');
    await expect(install(c, 't1')).rejects.toThrow(
      /this isv app is already installed for that tenant \(t1\)/,
    );
    expect(
      (await keyed.installations.listActiveByAppKey('isv', 'ISV-APP')).map((i) => i.config.tenant),
    ).toEqual(['t1', 't2']);
    // Changing the config moves the key; the freed one can be taken.
    await keyed.installations.replaceConfig(a.ws.id, first.id, {
      config: { app_id: 'ISV-APP', tenant: 't3' },
      secrets: {},
    });
    await install(c, 't1');

    // Written by a store without the rule (app id only), then given its key by the backfill.
    const d = await workspaceWithAgent('keys-d');
    await expect(
      stores.installations.create({
        workspaceId: d.ws.id,
        agentId: d.agent.id,
        channelType: 'isv-old',
        config: { app_id: 'OLD', tenant: 't1' },
        secrets: {},
      }),
    ).resolves.toMatchObject({ status: 'active' });
    const e = await workspaceWithAgent('keys-e');
    const second = {
      workspaceId: e.ws.id,
      agentId: e.agent.id,
      channelType: 'isv-old',
      config: { app_id: 'OLD', tenant: 't2' },
      secrets: {},
    };
    await expect(stores.installations.create(second)).rejects.toThrow(
      /this isv-old app is already installed$/,
    );
    const fields = { appKeyField: 'app_id', installationKeyField: 'tenant' };
    expect(await stores.installations.backfillAppKeys('isv-old', fields)).toBe(1);
    expect(await stores.installations.backfillAppKeys('isv-old', fields)).toBe(0);
    await expect(
      createStores(test.db.prisma, box, { installationKeys: rule }).installations.create(second),
    ).resolves.toMatchObject({ status: 'active' });
  });

  it('revokes an installation, keeps the row, and re-activates it on a new install', async () => {
    const { ws, agent } = await workspaceWithAgent('revoke');
    const inst = await stores.installations.create({
      workspaceId: ws.id,
      agentId: agent.id,
      channelType: 'echo',
      config: {},
      secrets: { signingSecret: 's1' },
    });
    const revoked = await stores.installations.revoke(ws.id, inst.id);
    expect(revoked.status).toBe('revoked');
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect((await stores.installations.revoke(ws.id, inst.id)).status).toBe('revoked');
    const again = await stores.installations.create({
      workspaceId: ws.id,
      agentId: agent.id,
      channelType: 'echo',
      config: { v: 2 },
      secrets: { signingSecret: 's2' },
    });
    expect(again).toMatchObject({ id: inst.id, status: 'active', config: { v: 2 }, revokedAt: null });
  });

  it('issues API tokens once, stores only their hash, and scopes them to a workspace', async () => {
    const ws = await stores.workspaces.create({ slug: 'tokens' });
    const other = await stores.workspaces.create({ slug: 'tokens-other' });
    const carol = await stores.users.create({ username: 'carol-t' });
    await stores.members.upsert(ws.id, carol.id, 'admin');
    await stores.members.upsert(other.id, carol.id, 'member');

    const scoped = await stores.apiTokens.issue({ userId: carol.id, workspaceId: ws.id });
    expect(scoped.token).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    const row = await test.db.prisma.apiToken.findUnique({ where: { id: scoped.id } });
    expect(JSON.stringify(row)).not.toContain(scoped.token);

    const principal = await stores.apiTokens.authenticate(scoped.token);
    expect(principal).toMatchObject({
      userId: carol.id,
      memberships: [{ workspaceId: ws.id, role: 'admin' }],
    });

    const wide = await stores.apiTokens.issue({ userId: carol.id });
    expect((await stores.apiTokens.authenticate(wide.token))?.memberships).toHaveLength(2);

    expect(await stores.apiTokens.authenticate(`${scoped.token.slice(0, -1)}x`)).toBeNull();
    expect(await stores.apiTokens.authenticate('not-a-token')).toBeNull();
    await stores.apiTokens.revoke(scoped.id);
    expect(await stores.apiTokens.authenticate(scoped.token)).toBeNull();
  });

  it("stops honouring a token's workspace once its user is no longer a member", async () => {
    const ws = await stores.workspaces.create({ slug: 'tokens-removed' });
    const dave = await stores.users.create({ username: 'dave-t' });
    const owner = await stores.users.create({ username: 'owner-t' });
    await stores.members.upsert(ws.id, owner.id, 'owner');
    await stores.members.upsert(ws.id, dave.id, 'admin');
    const issued = await stores.apiTokens.issue({ userId: dave.id, workspaceId: ws.id });
    await stores.members.remove(ws.id, dave.id);
    expect((await stores.apiTokens.authenticate(issued.token))?.memberships).toEqual([]);
  });

  it('bindIfUnbound never moves an existing binding', async () => {
    const ws = await stores.workspaces.create({ slug: 'bind-once' });
    const first = await stores.users.create({ username: 'bind-first' });
    const second = await stores.users.create({ username: 'bind-second' });
    const binding = {
      installationId: '00000000-0000-4000-8000-0000000000b1',
      channelType: 'slack',
      channelUserId: 'U1',
    };
    expect(await stores.bindings.bindIfUnbound({ ...binding, userId: first.id })).toEqual({
      created: true,
      userId: first.id,
    });
    expect(await stores.bindings.bindIfUnbound({ ...binding, userId: second.id })).toEqual({
      created: false,
      userId: first.id,
    });
    expect(ws.id).toEqual(expect.any(String));
  });

  it('findByEmail answers only for an email exactly one user has', async () => {
    await stores.users.create({ username: 'mail-one', email: 'one@mail.test' });
    await stores.users.create({ username: 'mail-two-a', email: 'two@mail.test' });
    await stores.users.create({ username: 'mail-two-b', email: 'two@mail.test' });
    expect((await stores.users.findByEmail('ONE@mail.test'))?.username).toBe('mail-one');
    expect(await stores.users.findByEmail('two@mail.test')).toBeNull();
  });

  it('keeps the event kinds an agent takes, message by default', async () => {
    const { ws, agent } = await workspaceWithAgent('event-kinds');
    expect(agent.eventTypes).toEqual(['message']);
    const changed = await stores.agents.setEventTypes(ws.id, agent.id, ['message', 'status', 'status']);
    expect(changed.eventTypes).toEqual(['message', 'status']);
    const other = await workspaceWithAgent('event-kinds-other');
    await expect(stores.agents.setEventTypes(other.ws.id, agent.id, ['message'])).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('records a platform status on the sent message, never moving it backwards', async () => {
    const { ws, agent } = await workspaceWithAgent('delivery-state');
    const installation = await stores.installations.create({
      workspaceId: ws.id,
      agentId: agent.id,
      channelType: 'echo',
      config: {},
      secrets: {},
    });
    const { record } = await stores.outbound.enqueue({
      installationId: installation.id,
      channelType: 'echo',
      channelChatId: 'C1',
      idempotencyKey: 'state-1',
      payload: { text: 'x' },
    });
    const [claimed] = await stores.outbound.claim(10, 60_000);
    expect(claimed?.id).toBe(record.id);
    await stores.outbound.markSent(claimed!, 'p-1');
    const report = (state: 'sent' | 'delivered' | 'read' | 'failed', errorCode?: string) =>
      stores.outbound.recordDeliveryState({
        installationId: installation.id,
        platformMessageId: 'p-1',
        state,
        ...(errorCode ? { errorCode } : {}),
        at: new Date(),
      });
    expect(await report('delivered')).toMatchObject({
      changed: true,
      record: { deliveryState: 'delivered' },
    });
    expect(await report('sent')).toMatchObject({ changed: false, record: { deliveryState: 'delivered' } });
    expect(await report('failed', '131026')).toMatchObject({
      changed: true,
      record: { deliveryState: 'failed', deliveryErrorCode: '131026' },
    });
    expect(await report('read')).toMatchObject({ changed: false, record: { deliveryState: 'failed' } });
    expect(
      await stores.outbound.recordDeliveryState({
        installationId: installation.id,
        platformMessageId: 'unknown',
        state: 'read',
        at: new Date(),
      }),
    ).toBeNull();
  });
});
