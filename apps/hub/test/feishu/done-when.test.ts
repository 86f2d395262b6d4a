import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  APP_ID,
  APP_SECRET,
  BOT,
  decided,
  eventually,
  feishuMessage,
  feishuRegistry,
  installFeishu,
  OTHER_TENANT,
  pushUntilAcked,
  TENANT,
} from './feishu-support.js';

/**
 * The "done when": a Feishu app installed through the admin API with auto_provision on and
 * no tenant_key; a tenant user writes to the bot over the long connection. The tenant is detected,
 * a user, an identity and a membership are created, the message reaches the agent and its reply
 * (and a card update) reaches Feishu. A guest from another tenant is denied with an audit entry.
 */
describe.each(testDatabaseKinds())(
  'Feishu: install, detect the tenant, provision on first contact [%s]',
  (kind) => {
    let hub: HubFixture;
    let feishu: FakeFeishu;
    let agent: FakeAgent;
    let setup: Awaited<ReturnType<typeof installFeishu>>;

    beforeAll(async () => {
      hub = await startHubFixture(kind, {
        registry: feishuRegistry(),
        connections: { leaseTtlMs: 3_000, scanEveryMs: 100 },
      });
      feishu = await startFakeFeishu({
        appId: APP_ID,
        appSecret: APP_SECRET,
        tenantKey: TENANT,
        botOpenId: BOT,
      });
      agent = await startFakeAgent();
      feishu.users.set('ou_alice', {
        open_id: 'ou_alice',
        union_id: 'on_alice',
        name: 'Alice Wang',
        enterprise_email: 'alice@acme.test',
      });
      feishu.users.set('ou_guest', { open_id: 'ou_guest', union_id: 'on_guest', name: 'Guest' });
      setup = await installFeishu(hub, feishu, agent, 'acme');
    });
    afterAll(async () => {
      await hub?.close();
      await feishu?.close();
      await agent?.close();
    });

    it('detects the tenant, provisions the sender, delivers the message and sends the reply back', async () => {
      // The tenant was detected (no tenant_key configured) and the secret is never shown.
      expect(setup.installation.config.detected_tenant_key).toBe(TENANT);
      expect(setup.installation.config.tenant_key).toBeUndefined();
      expect(JSON.stringify(setup.installation)).not.toContain(APP_SECRET);

      await eventually(() => (feishu.connections() === 1 ? true : undefined));
      const ack = await pushUntilAcked(
        feishu,
        feishuMessage({ eventId: 'ev_alice_1', openId: 'ou_alice', text: 'hi bot' }),
      );
      expect(ack.code).toBe(200);

      const delivery = await eventually(() =>
        agent.deliveries.find((d) => d.body.message?.text === 'hi bot'),
      );
      expect(delivery.signatureValid).toBe(true);
      const userId = delivery.body.user?.id as string;
      expect(delivery.body.user?.username).toMatch(/alice|feishu/);

      const reasons = (await decided(hub, 'acme', setup.token, 'ev_alice_1')).map((row) => row.reason);
      expect(reasons).toContain('provisioned');
      expect(reasons).toContain('delivered');

      const members = await hub.request('GET', '/api/v1/workspaces/acme/members', { token: setup.token });
      expect(members.body.members.map((m: { userId?: string; id?: string }) => m.userId ?? m.id)).toContain(
        userId,
      );
      const identities = await hub.request('GET', `/api/v1/workspaces/acme/members/${userId}/identities`, {
        token: setup.token,
      });
      expect(identities.status).toBe(200);
      expect(JSON.stringify(identities.body)).toContain('on_alice');

      // The agent answers in the chat, then posts a card and updates it.
      const chatId = delivery.body.message.source?.chatId ?? 'oc_dm_ou_alice';
      const reply = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
        token: setup.token,
        body: { target: { chatId }, text: 'hello Alice', idempotencyKey: 'reply-1' },
      });
      expect(reply.status).toBe(202);
      await eventually(() => feishu.messages.find((m) => m.content === '{"text":"hello Alice"}'));
      const sent = feishu.calls.find((c) => c.body.content === '{"text":"hello Alice"}');
      expect(sent?.body.uuid).toBeTruthy();

      const card = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
        token: setup.token,
        body: {
          target: { chatId },
          card: { elements: [{ tag: 'markdown', content: 'working…' }] },
          idempotencyKey: 'card-1',
        },
      });
      expect(card.status).toBe(202);
      const posted = await eventually(() => feishu.messages.find((m) => m.msg_type === 'interactive'));
      const update = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
        token: setup.token,
        body: {
          target: { chatId },
          card: { elements: [{ tag: 'markdown', content: 'done' }] },
          idempotencyKey: 'card-1-done',
          updateOf: card.body.id,
        },
      });
      expect(update.status).toBe(202);
      await eventually(() => (posted.updates.length > 0 ? true : undefined));
      expect(posted.updates[0]?.method).toBe('PATCH');
      expect(JSON.parse(posted.content).elements[0].content).toBe('done');
    });

    it('denies a guest from another tenant with an audit entry, and an event of another tenant', async () => {
      await pushUntilAcked(
        feishu,
        feishuMessage({
          eventId: 'ev_guest_1',
          openId: 'ou_guest',
          senderTenant: OTHER_TENANT,
          text: 'let me in',
        }),
      );
      const guest = await decided(hub, 'acme', setup.token, 'ev_guest_1');
      expect(guest.map((row) => row.reason)).toContain('external_guest');

      await pushUntilAcked(
        feishu,
        feishuMessage({
          eventId: 'ev_other_1',
          openId: 'ou_guest',
          tenant: OTHER_TENANT,
          text: 'wrong tenant',
        }),
      );
      const other = await decided(hub, 'acme', setup.token, 'ev_other_1');
      expect(other.map((row) => row.reason)).toContain('wrong_tenant');
      expect(agent.deliveries.some((d) => ['let me in', 'wrong tenant'].includes(d.body.message?.text))).toBe(
        false,
      );
    });
  },
);
