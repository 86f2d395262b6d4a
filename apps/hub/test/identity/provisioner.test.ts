import {
  EmptyExternalIdError,
  NotFoundError,
  ProvisionRefusedError,
  UsernameExhaustedError,
} from '@switchboard/core';
import { DatabaseUnavailableError } from '@switchboard/db';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidIdentifierError } from '../../src/identity/namespaces.js';
import { createProvisioner, HubProvisioner } from '../../src/identity/provisioner.js';
import { type ProvisionerStore, provisionerStoreFrom } from '../../src/identity/provisioner-store.js';
import { type IdentityTestbed, openIdentityTestbed } from './helpers.js';

describe.each(testDatabaseKinds())('provisioner [%s]', (kind) => {
  let bed: IdentityTestbed;
  beforeAll(async () => {
    bed = await openIdentityTestbed(kind);
  });
  afterAll(async () => {
    await bed?.test.drop();
  });

  /** The real store with some methods replaced, e.g. to fail one step. */
  function storeWith(overrides: Partial<ProvisionerStore>): ProvisionerStore {
    return { ...provisionerStoreFrom(bed.stores), ...overrides };
  }

  it('creates a passwordless member with a provisioned identity, named after the verified email', async () => {
    const ws = await bed.managedWorkspace('create-ws');
    const result = await createProvisioner(bed).provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0CREATE',
      email: 'Grace.Hopper@Example.com',
      emailVerified: true,
      displayName: 'Grace',
    });
    expect(result).toMatchObject({ status: 'created', username: 'grace.hopper', identifier: 'T01:U0CREATE' });
    const user = await bed.test.db.prisma.user.findUniqueOrThrow({ where: { id: result.userId } });
    expect(user).toMatchObject({
      passwordHash: null,
      email: 'grace.hopper@example.com',
      displayName: 'Grace',
    });
    expect(await bed.stores.members.find(ws.id, result.userId)).toMatchObject({ role: 'member' });
    expect(await bed.stores.identities.find('slack', 'T01:U0CREATE')).toMatchObject({
      userId: result.userId,
      source: 'provisioned',
    });
  });

  it("writes the event's provisioned audit in the same transaction as the user", async () => {
    const ws = await bed.managedWorkspace('audit-tx-ws');
    const event = {
      installationId: '00000000-0000-4000-8000-0000000000a1',
      channelType: 'slack',
      platformEventId: 'Ev0TX1',
    };
    const result = await createProvisioner(bed).provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0AUDITTX',
      event: { ...event, channelUserId: 'U0AUDITTX' },
    });
    const rows = await bed.test.db.prisma.channelInboundAudit.findMany({
      where: { platformEventId: 'Ev0TX1' },
    });
    expect(rows).toEqual([
      expect.objectContaining({
        reason: 'provisioned',
        userId: result.userId,
        workspaceId: ws.id,
        channelUserId: 'U0AUDITTX',
      }),
    ]);
    // A creation that fails (here: a workspace that does not exist) leaves neither user nor audit.
    await expect(
      bed.stores.identities.createUserWithIdentity({
        user: { username: 'audit-tx-ghost' },
        identity: { namespace: 'slack', identifier: 'T01:U0GHOST', source: 'provisioned' },
        membership: { workspaceId: '00000000-0000-4000-8000-0000000000ff', role: 'member' },
        audit: { ...event, platformEventId: 'Ev0TX2', reason: 'provisioned', workspaceId: ws.id },
      }),
    ).rejects.toThrow();
    expect(await bed.test.db.prisma.channelInboundAudit.count({ where: { platformEventId: 'Ev0TX2' } })).toBe(
      0,
    );
    expect(await bed.stores.users.findByUsername('audit-tx-ghost')).toBeNull();
  });

  it('returns the same user on every later call for the same identity', async () => {
    const ws = await bed.managedWorkspace('again-ws');
    const provisioner = createProvisioner(bed);
    const request = { workspaceId: ws.id, namespace: 'feishu_union', externalId: 'on_again' } as const;
    const first = await provisioner.provisionUser(request);
    const before = await bed.counts();
    const second = await provisioner.provisionUser(request);
    expect(second).toMatchObject({ status: 'existing', userId: first.userId, matchedBy: 'identity' });
    expect(await bed.counts()).toEqual(before);
  });

  it('names a user without an email <platform>-<first 8 characters of the platform id>', async () => {
    const ws = await bed.managedWorkspace('platform-name-ws');
    const result = await createProvisioner(bed).provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0ABCDEFGHIJ',
    });
    expect(result.username).toBe('slack-u0abcdef');
  });

  it('never names a user after an unverified email, nor stores it', async () => {
    const ws = await bed.managedWorkspace('unverified-name-ws');
    const result = await createProvisioner(bed).provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0CEOCLAIM',
      email: 'ceo@example.com',
      emailVerified: false,
    });
    expect(result.username).toBe('slack-u0ceocla');
    expect((await bed.stores.users.get(result.userId)).email).toBeNull();
  });

  it('suffixes -2, -3 when the username is taken', async () => {
    const ws = await bed.managedWorkspace('suffix-ws');
    await bed.stores.users.create({ username: 'ada' });
    await bed.stores.users.create({ username: 'ada-2' });
    const result = await createProvisioner(bed).provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0ADA',
      email: 'ada@example.com',
      emailVerified: true,
    });
    expect(result.username).toBe('ada-3');
  });

  it('takes the next suffix when the username is taken between the probe and the insert', async () => {
    const ws = await bed.managedWorkspace('username-race-ws');
    await bed.stores.users.create({ username: 'linus' });
    const probed: string[] = [];
    // The probe sees every name as free, as if another writer took "linus" right after it looked.
    const provisioner = new HubProvisioner(
      storeWith({
        findUserByUsername: async (username) => {
          probed.push(username);
          throw new NotFoundError('user', username);
        },
      }),
      { namespaces: bed.namespaces },
    );
    const result = await provisioner.provisionUser({
      workspaceId: ws.id,
      namespace: 'github_id',
      externalId: '9001',
      email: 'linus@example.com',
      emailVerified: true,
    });
    expect(probed).toEqual(['linus', 'linus-2']);
    expect(result).toMatchObject({ status: 'created', username: 'linus-2' });
  });

  it('gives up with UsernameExhaustedError after the last allowed suffix, writing nothing', async () => {
    const ws = await bed.managedWorkspace('exhausted-ws');
    for (const name of ['bob', 'bob-2', 'bob-3']) await bed.stores.users.create({ username: name });
    const before = await bed.counts();
    const provisioner = createProvisioner(bed, { maxUsernameSuffix: 3 });
    const attempt = provisioner.provisionUser({
      workspaceId: ws.id,
      namespace: 'github_id',
      externalId: '424242',
      email: 'bob@example.com',
      emailVerified: true,
    });
    await expect(attempt).rejects.toBeInstanceOf(UsernameExhaustedError);
    await expect(attempt).rejects.toMatchObject({ code: 'username_exhausted', base: 'bob', attempts: 3 });
    expect(await bed.counts()).toEqual(before);
  });

  it('surfaces a transient failure of the identity lookup and writes nothing', async () => {
    const ws = await bed.managedWorkspace('lookup-blip-ws');
    const before = await bed.counts();
    const blip = new DatabaseUnavailableError(new Error('connection reset'));
    const provisioner = new HubProvisioner(
      storeWith({
        findIdentity: async () => {
          throw blip;
        },
      }),
      { namespaces: bed.namespaces },
    );
    await expect(
      provisioner.provisionUser({ workspaceId: ws.id, namespace: 'slack', externalId: 'T01:U0BLIP' }),
    ).rejects.toBe(blip);
    expect(await bed.counts()).toEqual(before);
  });

  it('surfaces a transient failure of the username probe and writes nothing', async () => {
    const ws = await bed.managedWorkspace('probe-blip-ws');
    const before = await bed.counts();
    const blip = new DatabaseUnavailableError(new Error('timeout'));
    const provisioner = new HubProvisioner(
      storeWith({
        findUserByUsername: async () => {
          throw blip;
        },
      }),
      { namespaces: bed.namespaces },
    );
    await expect(
      provisioner.provisionUser({ workspaceId: ws.id, namespace: 'slack', externalId: 'T01:U0PROBE' }),
    ).rejects.toBe(blip);
    expect(await bed.counts()).toEqual(before);
  });

  it('refuses an empty or whitespace external id without looking anything up', async () => {
    const ws = await bed.managedWorkspace('empty-ws');
    const looked: string[] = [];
    const provisioner = new HubProvisioner(
      storeWith({
        findIdentity: async (namespace, identifier, workspaceId) => {
          looked.push(identifier);
          return provisionerStoreFrom(bed.stores).findIdentity(namespace, identifier, workspaceId);
        },
      }),
      { namespaces: bed.namespaces },
    );
    const before = await bed.counts();
    for (const externalId of ['', '   ', '\t\n']) {
      const attempt = provisioner.provisionUser({
        workspaceId: ws.id,
        namespace: 'feishu_union',
        externalId,
      });
      await expect(attempt).rejects.toBeInstanceOf(EmptyExternalIdError);
      await expect(attempt).rejects.toMatchObject({ code: 'empty_external_id' });
    }
    await expect(
      provisioner.provisionUser({
        workspaceId: ws.id,
        namespace: 'feishu_union',
        externalId: ' ',
        fallbackIds: ['', '  '],
      }),
    ).rejects.toBeInstanceOf(EmptyExternalIdError);
    expect(looked).toEqual([]);
    expect(await bed.counts()).toEqual(before);
  });

  it('falls back to the first non-blank fallback id when the external id is blank', async () => {
    const ws = await bed.managedWorkspace('fallback-ws');
    const result = await createProvisioner(bed).provisionUser({
      workspaceId: ws.id,
      namespace: 'feishu_union',
      externalId: '  ',
      fallbackIds: ['', ' on_fallback '],
    });
    expect(result).toMatchObject({ status: 'created', identifier: 'on_fallback' });
    expect((await bed.stores.identities.find('feishu_union', 'on_fallback')).userId).toBe(result.userId);
  });

  it('refuses an identifier that is malformed for its namespace', async () => {
    const ws = await bed.managedWorkspace('malformed-ws');
    await expect(
      createProvisioner(bed).provisionUser({ workspaceId: ws.id, namespace: 'slack', externalId: 'no team' }),
    ).rejects.toBeInstanceOf(InvalidIdentifierError);
  });

  it('refuses to provision into a workspace without an owner or admin', async () => {
    const ws = await bed.stores.workspaces.create({ slug: 'unmanaged-ws' });
    const plain = await bed.stores.users.create({ username: 'unmanaged-member' });
    await bed.stores.members.upsert(ws.id, plain.id, 'member');
    const before = await bed.counts();
    const attempt = createProvisioner(bed).provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0NOADMIN',
    });
    await expect(attempt).rejects.toBeInstanceOf(ProvisionRefusedError);
    await expect(attempt).rejects.toMatchObject({ code: 'provision_refused_no_admin', reason: 'no_admin' });
    expect(await bed.counts()).toEqual(before);
  });

  it('adds a known person to a second workspace instead of creating another user', async () => {
    const first = await bed.managedWorkspace('second-a');
    const second = await bed.managedWorkspace('second-b');
    const provisioner = createProvisioner(bed);
    const created = await provisioner.provisionUser({
      workspaceId: first.id,
      namespace: 'github_login',
      externalId: 'Octocat',
    });
    const joined = await provisioner.provisionUser({
      workspaceId: second.id,
      namespace: 'github_login',
      externalId: 'octocat',
    });
    expect(joined).toMatchObject({ status: 'existing', userId: created.userId, joinedWorkspace: true });
    expect(await bed.stores.members.find(second.id, created.userId)).toMatchObject({ role: 'member' });
  });

  it('never adds back a member an admin removed from the workspace', async () => {
    const ws = await bed.managedWorkspace('removed-ws');
    const provisioner = createProvisioner(bed);
    const created = await provisioner.provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0REMOVED',
    });
    await bed.stores.members.remove(ws.id, created.userId);
    const attempt = provisioner.provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0REMOVED',
    });
    await expect(attempt).rejects.toMatchObject({ code: 'provision_refused_removed' });
    expect(await bed.stores.members.find(ws.id, created.userId)).toBeNull();
  });

  it('refuses a deactivated user and never re-activates them', async () => {
    const ws = await bed.managedWorkspace('deactivated-ws');
    const other = await bed.managedWorkspace('deactivated-other');
    const provisioner = createProvisioner(bed);
    const created = await provisioner.provisionUser({
      workspaceId: ws.id,
      namespace: 'slack',
      externalId: 'T01:U0GONE',
    });
    await bed.test.db.prisma.user.update({ where: { id: created.userId }, data: { status: 'deactivated' } });
    const attempt = provisioner.provisionUser({
      workspaceId: other.id,
      namespace: 'slack',
      externalId: 'T01:U0GONE',
    });
    await expect(attempt).rejects.toMatchObject({ code: 'provision_refused_deactivated' });
    expect((await bed.stores.users.get(created.userId)).status).toBe('deactivated');
    expect(await bed.stores.members.find(other.id, created.userId)).toBeNull();
  });

  it('refuses a deactivated identity instead of creating a second user for it', async () => {
    const ws = await bed.managedWorkspace('deactivated-identity-ws');
    const provisioner = createProvisioner(bed);
    await provisioner.provisionUser({ workspaceId: ws.id, namespace: 'github_id', externalId: '777' });
    await bed.test.db.prisma.identity.updateMany({
      where: { identifier: '777' },
      data: { status: 'deactivated' },
    });
    const before = await bed.counts();
    await expect(
      provisioner.provisionUser({ workspaceId: ws.id, namespace: 'github_id', externalId: '777' }),
    ).rejects.toMatchObject({ code: 'provision_refused_deactivated' });
    expect(await bed.counts()).toEqual(before);
  });

  describe('linking by verified email', () => {
    async function memberWithEmail(slug: string, source: 'admin' | 'provisioned') {
      const ws = await bed.managedWorkspace(slug);
      const user = await bed.stores.users.create({
        username: `${slug}-person`,
        email: `person@${slug}.test`,
      });
      await bed.stores.members.upsert(ws.id, user.id, 'member');
      await bed.stores.identities.link({
        userId: user.id,
        namespace: 'email',
        identifier: `person@${slug}.test`,
        source,
        // An admin's word counts in the admin's workspace only.
        ...(source === 'admin' ? { workspaceId: ws.id } : {}),
      });
      return { ws, user };
    }

    it("never trusts an email another workspace's admin asserted", async () => {
      const { user } = await memberWithEmail('planted-email', 'admin');
      const victim = await bed.managedWorkspace('planted-victim');
      const result = await createProvisioner(bed).provisionUser({
        workspaceId: victim.id,
        namespace: 'slack',
        externalId: 'T02:U0PLANTED',
        email: 'person@planted-email.test',
        emailVerified: true,
        linkByVerifiedEmail: true,
      });
      expect(result.status).toBe('created');
      expect(result.userId).not.toBe(user.id);
    });

    it("never resolves a platform identity another workspace's admin linked", async () => {
      const { ws: planter, user: planted } = await memberWithEmail('planter', 'admin');
      await bed.stores.identities.link({
        userId: planted.id,
        namespace: 'slack',
        identifier: 'T03:U0VICTIM',
        source: 'admin',
        workspaceId: planter.id,
      });
      const victim = await bed.managedWorkspace('victim-ws');
      const result = await createProvisioner(bed).provisionUser({
        workspaceId: victim.id,
        namespace: 'slack',
        externalId: 'T03:U0VICTIM',
      });
      expect(result.status).toBe('created');
      expect(result.userId).not.toBe(planted.id);
      expect(await bed.stores.members.find(victim.id, planted.id)).toBeNull();
    });

    it('links a sender with a verified email to the member who owns it', async () => {
      const { ws, user } = await memberWithEmail('verified-link', 'admin');
      const result = await createProvisioner(bed).provisionUser({
        workspaceId: ws.id,
        namespace: 'slack',
        externalId: 'T01:U0VERIFIED',
        email: 'Person@Verified-Link.test',
        emailVerified: true,
        linkByVerifiedEmail: true,
      });
      expect(result).toMatchObject({ status: 'existing', userId: user.id, matchedBy: 'verified_email' });
      expect(
        await bed.stores.identities.find('slack', 'T01:U0VERIFIED', { workspaceId: ws.id }),
      ).toMatchObject({
        userId: user.id,
        source: 'provisioned',
      });
    });

    it('never links on an unverified email', async () => {
      const { ws, user } = await memberWithEmail('unverified-link', 'admin');
      const result = await createProvisioner(bed).provisionUser({
        workspaceId: ws.id,
        namespace: 'slack',
        externalId: 'T01:U0UNVERIFIED',
        email: 'person@unverified-link.test',
        emailVerified: false,
        linkByVerifiedEmail: true,
      });
      expect(result.status).toBe('created');
      expect(result.userId).not.toBe(user.id);
    });

    it('never links when the installation has not enabled it', async () => {
      const { ws, user } = await memberWithEmail('link-off', 'admin');
      const result = await createProvisioner(bed).provisionUser({
        workspaceId: ws.id,
        namespace: 'slack',
        externalId: 'T01:U0LINKOFF',
        email: 'person@link-off.test',
        emailVerified: true,
      });
      expect(result.status).toBe('created');
      expect(result.userId).not.toBe(user.id);
    });

    it('never links to an email identity from an untrusted source', async () => {
      const { ws, user } = await memberWithEmail('untrusted-link', 'provisioned');
      const result = await createProvisioner(bed).provisionUser({
        workspaceId: ws.id,
        namespace: 'slack',
        externalId: 'T01:U0UNTRUSTED',
        email: 'person@untrusted-link.test',
        emailVerified: true,
        linkByVerifiedEmail: true,
      });
      expect(result.status).toBe('created');
      expect(result.userId).not.toBe(user.id);
    });
  });
});
