import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerMemberCommands } from '../../src/cli/commands/member.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';
import { postWhatsApp, WA_APP, whatsappRegistry } from './support.js';

const PHONE_NUMBER_ID = '106540352242933';

/**
 * The invitation and sign-up flow take a member's phone: it is normalised, stored with the
 * invitation and linked (with the JIDs the WhatsApp plugin derives) when the person becomes a
 * member, exactly as the admin API links it: an admin's assertion, unverified until proven.
 */
describe.each(testDatabaseKinds())('a phone given with an invitation [%s]', (kind) => {
  let hub: HubFixture;
  let fake: FakeWhatsApp;
  let admin: { token: string; workspaceId: string; userId: string };
  let installationId: string;
  const slug = 'wa-invite';

  const invite = (body: Record<string, unknown>) =>
    hub.request('POST', `/api/v1/workspaces/${slug}/members`, { token: admin.token, body });
  const signedInAs = async (username: string, email: string) => {
    const user = await hub.runtime.stores.users.create({ username, email });
    const { token } = await hub.runtime.stores.apiTokens.issue({ userId: user.id });
    return { id: user.id, token };
  };
  const accept = (bearer: string, token: string) =>
    hub.request('POST', '/api/v1/invitations/accept', { token: bearer, body: { token } });
  const identitiesOf = async (userId: string) => {
    const res = await hub.request('GET', `/api/v1/workspaces/${slug}/members/${userId}/identities`, {
      token: admin.token,
    });
    return (res.body.identities as Array<{ namespace: string; identifier: string; source: string }>).map(
      (i) => `${i.namespace}:${i.identifier}:${i.source}`,
    );
  };

  beforeAll(async () => {
    fake = await startFakeWhatsApp({
      accessToken: WA_APP.access_token,
      phoneNumbers: { [PHONE_NUMBER_ID]: { displayPhoneNumber: '+49 30 7654321' } },
    });
    hub = await startHubFixture(kind, { registry: whatsappRegistry() });
    admin = await hub.seedWorkspace(slug);
    const agent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/in' },
    });
    const created = await hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
      token: admin.token,
      body: {
        agentId: agent.body.id,
        channelType: 'whatsapp',
        config: { ...WA_APP, phone_number_id: PHONE_NUMBER_ID, api_base_url: fake.url },
      },
    });
    expect(created.status, created.text).toBe(201);
    installationId = created.body.id;
  });
  afterAll(async () => {
    await hub?.close();
    await fake?.close();
  });

  it('stores the phone in E.164 with the invitation and links it, with its JID, on acceptance', async () => {
    const sent = await invite({ email: 'kim@acme.test', phone: '+49 151 2345 6799' });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body.phone).toEqual({ outcome: 'pending', identifier: '+4915123456799' });
    expect(sent.body.invitation.phone).toBe('+4915123456799');
    const listed = await hub.request('GET', `/api/v1/workspaces/${slug}/invitations`, { token: admin.token });
    expect(listed.body.items.find((i: { id: string }) => i.id === sent.body.invitation.id)?.phone).toBe(
      '+4915123456799',
    );

    const kim = await signedInAs('kim', 'kim@acme.test');
    const accepted = await accept(kim.token, sent.body.token);
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({ workspaceId: admin.workspaceId, role: 'member' });
    expect(accepted.body.phone).toEqual({
      outcome: 'linked',
      identities: [
        { namespace: 'phone', identifier: '+4915123456799', status: 'linked' },
        { namespace: 'wa_jid', identifier: '4915123456799@s.whatsapp.net', status: 'linked' },
      ],
    });
    // An admin typed it: asserted, not proven. The member proves it with a one-time code.
    expect(await identitiesOf(kim.id)).toEqual(
      expect.arrayContaining(['phone:+4915123456799:admin', 'wa_jid:4915123456799@s.whatsapp.net:admin']),
    );
    const id = 'wamid.invited-phone-before-proof';
    await postWhatsApp(hub, [
      { phoneNumberId: PHONE_NUMBER_ID, messages: [{ id, from: '4915123456799', text: 'hi' }] },
    ]);
    const reasons = await eventually(async () => {
      const res = await hub.request('GET', `/api/v1/workspaces/${slug}/audit?platformEventId=${id}`, {
        token: admin.token,
      });
      const rows = (res.body.entries as Array<{ reason: string }>).map((r) => r.reason);
      return rows.some((r) => !['accepted', 'resolved'].includes(r)) ? rows : undefined;
    });
    expect(reasons).toContain('not_bound');
    const started = await hub.request(
      'POST',
      `/api/v1/workspaces/${slug}/members/${kim.id}/identities/verification`,
      { token: kim.token, body: { namespace: 'phone', identifier: '+4915123456799', installationId } },
    );
    expect(started.status, started.text).toBe(202);
    expect(started.body.outcome).toBe('code_sent');
  });

  it('reports an unparseable phone as invalid_phone and still sends the invitation', async () => {
    const sent = await invite({ email: 'lea@acme.test', phone: '12' });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body.phone).toMatchObject({ outcome: 'invalid_phone' });
    expect(sent.body.invitation.phone).toBeUndefined();
    const lea = await signedInAs('lea', 'lea@acme.test');
    const accepted = await accept(lea.token, sent.body.token);
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.phone).toBeUndefined();
    expect((await identitiesOf(lea.id)).some((i) => i.startsWith('phone:'))).toBe(false);
  });

  it('links again idempotently, and reports a phone someone else holds without failing', async () => {
    const first = await invite({ email: 'max@acme.test', phone: '+4915123456798' });
    const max = await signedInAs('max', 'max@acme.test');
    expect((await accept(max.token, first.body.token)).body.phone.outcome).toBe('linked');
    await hub.request('DELETE', `/api/v1/workspaces/${slug}/members/${max.id}`, { token: admin.token });
    // A national number without a configured region cannot be read: reported, the invitation goes.
    const national = await invite({ email: 'max@acme.test', phone: '015123456798', role: 'member' });
    expect(national.status).toBe(202);
    expect(national.body.phone).toMatchObject({ outcome: 'invalid_phone' });
    const third = await invite({ email: 'max@acme.test', phone: '+49 151 23456798' });
    const rejoined = await accept(max.token, third.body.token);
    expect(rejoined.status, rejoined.text).toBe(200);
    expect(rejoined.body.phone.outcome).toBe('already_linked');

    // Nia proved this number herself: the invitee does not get it, the membership still stands.
    const nia = await hub.runtime.stores.users.create({ username: 'nia' });
    await hub.runtime.stores.identities.link({
      namespace: 'phone',
      identifier: '+4915123456797',
      userId: nia.id,
      source: 'self',
    });
    const sent = await invite({ email: 'ole@acme.test', phone: '+4915123456797' });
    const ole = await signedInAs('ole', 'ole@acme.test');
    const accepted = await accept(ole.token, sent.body.token);
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.phone).toMatchObject({ outcome: 'identity_conflict' });
    expect(await hub.runtime.stores.members.find(admin.workspaceId, ole.id)).toBeTruthy();
  });

  it('links the phone of a member created at once by a new username', async () => {
    const created = await invite({ username: 'pia', phone: '+4915123456796' });
    expect(created.status, created.text).toBe(201);
    expect(created.body.phone).toMatchObject({ outcome: 'linked' });
    expect(await identitiesOf(created.body.userId)).toEqual(
      expect.arrayContaining(['phone:+4915123456796:admin', 'wa_jid:4915123456796@s.whatsapp.net:admin']),
    );
    // An Argentine mobile links both forms WhatsApp may know it by (with and without the 9).
    const argentine = await invite({ username: 'sol', phone: '+54 9 11 2345-6789' });
    expect(argentine.body.phone.identities.map((i: { identifier: string }) => i.identifier)).toEqual([
      '+5491123456789',
      '5491123456789@s.whatsapp.net',
      '541123456789@s.whatsapp.net',
    ]);
    const bad = await invite({ username: 'quinn', phone: 'not a phone' });
    expect(bad.status, bad.text).toBe(201);
    expect(bad.body.phone).toMatchObject({ outcome: 'invalid_phone' });
  });

  it('takes the phone on the command line: switchboard member invite --phone', async () => {
    const printed: string[] = [];
    const out = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const program = new Command('switchboard').exitOverride();
      registerMemberCommands(program);
      await program.parseAsync([
        'node',
        'switchboard',
        'member',
        'invite',
        'rio@acme.test',
        '--phone',
        '+49 151 23456795',
        '--url',
        hub.url,
        '--token',
        admin.token,
        '--workspace',
        slug,
        '--json',
      ]);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const answer = JSON.parse(printed.join(''));
    expect(answer.phone).toEqual({ outcome: 'pending', identifier: '+4915123456795' });
    expect(answer.invitation.phone).toBe('+4915123456795');
  });
});
