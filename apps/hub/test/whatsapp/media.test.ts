import { createHubClient, HubRequestError } from '@switchboard/agent';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';
import { postWhatsApp, WA_APP, whatsappRegistry } from './support.js';

const PHONE_NUMBER_ID = '106540352242977';
const MEMBER_WA_ID = '4915123456700';
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3, 4]);

/**
 * WhatsApp media through the hub: an inbound image (a media id) is delivered, and its agent reads
 * the bytes through the hub (`GET /{media-id}`, then the URL with the bearer); the agent replies
 * by link and by upload.
 */
describe.each(testDatabaseKinds())('WhatsApp media through the hub [%s]', (kind) => {
  let hub: HubFixture;
  let fake: FakeWhatsApp;
  let agent: FakeAgent;
  let installationId = '';
  let deliveryId = '';
  let adminToken = '';

  beforeAll(async () => {
    fake = await startFakeWhatsApp({
      accessToken: WA_APP.access_token,
      phoneNumbers: { [PHONE_NUMBER_ID]: { displayPhoneNumber: '+49 30 7654321' } },
    });
    agent = await startFakeAgent();
    hub = await startHubFixture(kind, { registry: whatsappRegistry() });
    const admin = await hub.seedWorkspace('wa-media');
    adminToken = admin.token;
    const createdAgent = await hub.request('POST', '/api/v1/workspaces/wa-media/agents', {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
    });
    const created = await hub.request('POST', '/api/v1/workspaces/wa-media/installations', {
      token: admin.token,
      body: {
        agentId: createdAgent.body.id,
        channelType: 'whatsapp',
        config: { ...WA_APP, phone_number_id: PHONE_NUMBER_ID, api_base_url: fake.url },
      },
    });
    expect(created.status, created.text).toBe(201);
    installationId = created.body.id;
    // The sender is a member already (how they became one is the identity tests' business).
    await hub.runtime.stores.bindings.bind({
      installationId,
      channelType: 'whatsapp',
      channelUserId: MEMBER_WA_ID,
      userId: admin.userId,
    });

    fake.addMedia('1480000000001', { bytes: JPEG, mimeType: 'image/jpeg' });
    const res = await postWhatsApp(hub, [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        messages: [
          {
            id: 'wamid.media-in-1',
            raw: {
              from: MEMBER_WA_ID,
              id: 'wamid.media-in-1',
              timestamp: String(Math.floor(Date.now() / 1000)),
              type: 'image',
              image: { id: '1480000000001', mime_type: 'image/jpeg', sha256: 'x', caption: 'my receipt' },
            },
          },
        ],
      },
    ]);
    expect(res.status, res.text).toBe(200);
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.msgType === 'image'),
    );
    deliveryId = delivery.body.id;
    expect(delivery.body.message.text).toBe('my receipt');
    expect(delivery.body.message.media[0]).toMatchObject({ kind: 'image', id: '1480000000001' });
  });
  afterAll(async () => {
    await hub?.close();
    await agent?.close();
    await fake?.close();
  });

  const client = () => createHubClient({ hubUrl: hub.url, secret: agent.secret });

  it('serves the inbound image to the agent: media info, then the URL with the bearer', async () => {
    fake.calls.length = 0;
    const media = await client().downloadMedia({ installationId, deliveryId, index: 0 });
    expect(Buffer.from(media.bytes)).toEqual(JPEG);
    expect(media.mimeType).toBe('image/jpeg');
    expect(fake.calls.map((c) => [c.path, c.authorization])).toEqual([
      ['/v23.0/1480000000001', `Bearer ${WA_APP.access_token}`],
      ['/media-download/1480000000001', `Bearer ${WA_APP.access_token}`],
    ]);
  });

  it('answers 404 when Meta no longer has the media, and 413 over the cap', async () => {
    const tooLarge = await client()
      .downloadMedia({ installationId, deliveryId, index: 0, maxBytes: 4 })
      .catch((e: unknown) => e);
    expect(tooLarge).toMatchObject({ status: 413, code: 'media_too_large' });
    fake.media.delete('1480000000001');
    const gone = await client()
      .downloadMedia({ installationId, deliveryId, index: 0 })
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(HubRequestError);
    expect(gone).toMatchObject({ status: 404, code: 'media_not_found' });
  });

  it('replies by link, with the text as caption', async () => {
    const sent = await client().send({
      installationId,
      chatId: MEMBER_WA_ID,
      text: 'your invoice',
      media: { kind: 'file', url: 'https://cdn.example.com/invoice.pdf', name: 'invoice.pdf' },
      reply: { replyToMessageId: 'wamid.media-in-1' },
    });
    const message = await eventually(() =>
      [...fake.messages.values()].find((m) => (m.body.document as { link?: string } | undefined)?.link),
    );
    expect(message.body).toMatchObject({
      to: MEMBER_WA_ID,
      type: 'document',
      document: {
        link: 'https://cdn.example.com/invoice.pdf',
        caption: 'your invoice',
        filename: 'invoice.pdf',
      },
      context: { message_id: 'wamid.media-in-1' },
    });
    const record = await eventually(async () => {
      const res = await hub.request('GET', `/api/v1/installations/${installationId}/messages/${sent.id}`, {
        token: adminToken,
      });
      return res.body.status === 'sent' ? res.body : undefined;
    });
    expect(record.platformMessageId).toBe(message.id);
  });

  it('replies with data: uploaded to the media endpoint, then sent by id', async () => {
    // Through the hub's own (egress-checked) fetch, as every channel call goes.
    await client().send({
      installationId,
      chatId: MEMBER_WA_ID,
      media: { kind: 'image', data: JPEG.toString('base64') },
    });
    const message = await eventually(() =>
      [...fake.messages.values()].find((m) => (m.body.image as { id?: string } | undefined)?.id),
    );
    const id = (message.body.image as { id: string }).id;
    expect(Buffer.from(fake.media.get(id)?.bytes ?? [])).toEqual(JPEG);
    expect(fake.media.get(id)?.mimeType).toBe('image/jpeg');
  });
});
