import { randomUUID } from 'node:crypto';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';
import { postWhatsApp, WA_APP, whatsappRegistry } from './support.js';

const PHONE_NUMBER_ID = '106540352242944';
const RECIPIENT = '4915123456788';

/**
 * The Graph API has no idempotency key. Each post carries the hub's outbound id in
 * `biz_opaque_callback_data`, which Meta echoes in its statuses: a send whose answer was lost is
 * recorded as sent when its status arrives, so the retry waiting for it never posts it again, and
 * a second post a retry did make is audited as a duplicate of its outbound message.
 */
describe.each(testDatabaseKinds())('WhatsApp sends whose answer was lost [%s]', (kind) => {
  let hub: HubFixture;
  let fake: FakeWhatsApp;
  let admin: { token: string; workspaceId: string; userId: string };
  let installationId: string;
  const slug = 'wa-reconcile';
  const hookUrl = () => `${hub.url}/hooks/app/whatsapp/${WA_APP.app_id}`;

  const outboundRecord = async (id: string) =>
    (
      await hub.request('GET', `/api/v1/installations/${installationId}/messages/${id}`, {
        token: admin.token,
      })
    ).body;
  const auditDetail = (eventId: string) =>
    eventually(async () => {
      const res = await hub.request(
        'GET',
        `/api/v1/workspaces/${slug}/audit?platformEventId=${encodeURIComponent(eventId)}`,
        { token: admin.token },
      );
      const rows = res.body.entries as Array<{ reason: string; detail?: Record<string, unknown> }>;
      return rows.find((r) => r.detail && 'outboundMessageId' in r.detail)?.detail;
    });
  const send = async (text: string) => {
    const accepted = await hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
      token: admin.token,
      body: { target: { chatId: RECIPIENT }, text, idempotencyKey: `reconcile-${randomUUID()}` },
    });
    expect(accepted.status, accepted.text).toBe(202);
    return accepted.body.id as string;
  };

  beforeAll(async () => {
    fake = await startFakeWhatsApp({
      accessToken: WA_APP.access_token,
      phoneNumbers: { [PHONE_NUMBER_ID]: { displayPhoneNumber: '+49 30 1112223' } },
    });
    // A retry waits a minute: long enough for Meta's status to arrive first, as it does in life.
    hub = await startHubFixture(kind, {
      registry: whatsappRegistry(),
      pipeline: { outbound: { backoff: { baseMs: 60_000, maxMs: 60_000 } } },
    });
    admin = await hub.seedWorkspace(slug);
    const agent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
      token: admin.token,
      // Statuses are recorded, not delivered: the test reads the records and the audit.
      body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/in', eventTypes: ['message'] },
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

  it('records a send whose answer was lost as sent when its status arrives, and never posts it again', async () => {
    fake.loseNextAnswer();
    const id = await send('your order shipped');
    const waiting = await eventually(async () => {
      const record = await outboundRecord(id);
      return record.status === 'pending' && record.attempts === 1 ? record : undefined;
    });
    expect(waiting.platformMessageId ?? null).toBeNull();
    const posted = [...fake.messages.values()].filter((m) => m.recipient === RECIPIENT);
    expect(posted).toHaveLength(1);
    const wamid = posted[0]?.id as string;
    expect(posted[0]?.body.biz_opaque_callback_data).toBe(`sb1:${id}:0/1`);

    const res = await fake.deliverStatuses(hookUrl(), {
      appSecret: WA_APP.app_secret,
      phoneNumberId: PHONE_NUMBER_ID,
      messageId: wamid,
      states: ['sent', 'delivered'],
    });
    expect(res.status).toBe(200);
    // Both statuses find the record; whichever was processed first adopted the message id.
    const details = [await auditDetail(`${wamid}:sent`), await auditDetail(`${wamid}:delivered`)];
    expect(details.map((d) => d?.outboundMessageId)).toEqual([id, id]);
    expect(details.filter((d) => d?.adopted === true)).toHaveLength(1);
    const reconciled = await eventually(async () => {
      const record = await outboundRecord(id);
      return record.deliveryState === 'delivered' ? record : undefined;
    });
    expect(reconciled).toMatchObject({ status: 'sent', platformMessageId: wamid, attempts: 1 });
    // Sent is final for the outbound worker: nothing is due, so the retry never happens.
    expect(await hub.runtime.stores.outbound.claim(10, 60_000)).toEqual([]);
    expect([...fake.messages.values()].filter((m) => m.recipient === RECIPIENT)).toHaveLength(1);
  });

  it('audits a second post of a message already on record as its duplicate', async () => {
    const id = await send('second copy');
    const sent = await eventually(async () => {
      const record = await outboundRecord(id);
      return record.status === 'sent' ? record : undefined;
    });
    // A status for another wamid naming the same outbound message: an earlier attempt that posted.
    const status = (messageId: string, tag: string) => ({
      phoneNumberId: PHONE_NUMBER_ID,
      statuses: [
        { id: messageId, status: 'sent' as const, recipientId: RECIPIENT, bizOpaqueCallbackData: tag },
      ],
    });
    await postWhatsApp(hub, [status('wamid.earlier-attempt', `sb1:${id}:0/1`)]);
    expect(await auditDetail('wamid.earlier-attempt:sent')).toMatchObject({
      outboundMessageId: null,
      duplicateOf: id,
    });
    expect((await outboundRecord(id)).platformMessageId).toBe(sent.platformMessageId);

    // A tag naming nothing of this installation, or an earlier part, reconciles nothing.
    await postWhatsApp(hub, [status('wamid.stranger', `sb1:${randomUUID()}:0/1`)]);
    expect(await auditDetail('wamid.stranger:sent')).not.toHaveProperty('duplicateOf');
    await postWhatsApp(hub, [status('wamid.first-part', `sb1:${id}:0/2`)]);
    expect(await auditDetail('wamid.first-part:sent')).toMatchObject({ outboundMessageId: null });
    expect(await auditDetail('wamid.first-part:sent')).not.toHaveProperty('duplicateOf');
  });
});
