import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHubClient, HubRequestError } from '@switchboard/agent';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  APP_ID,
  APP_SECRET,
  BOT,
  eventually,
  feishuMessage,
  feishuRegistry,
  installFeishu,
  pushUntilAcked,
  TENANT,
} from './feishu-support.js';

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3,
]);

/** An image message as Feishu pushes it: `message_type: image`, the key in `content`. */
function feishuImage(openId: string, messageId: string, imageKey: string) {
  const envelope = feishuMessage({ openId, messageId });
  envelope.event.message.message_type = 'image';
  envelope.event.message.content = JSON.stringify({ image_key: imageKey });
  return envelope;
}

async function rejection(promise: Promise<unknown>): Promise<HubRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HubRequestError);
  return error as HubRequestError;
}

/**
 * Media end to end through the hub: an inbound Feishu image is delivered and its agent reads the
 * bytes through the hub (an agent of another workspace cannot); the agent replies with an image
 * (data) and a file (a URL the egress policy allows), and the fake Feishu receives the uploads
 * and the messages. URLs the policy refuses, oversize data and channels without media are refused
 * with their codes.
 */
describe.each(testDatabaseKinds())('Feishu media through the hub [%s]', (kind) => {
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let agent: FakeAgent;
  let otherAgent: FakeAgent;
  let files: Server;
  let filesUrl = '';
  let setup: Awaited<ReturnType<typeof installFeishu>>;
  let otherInstallationId = '';
  let deliveryId = '';
  let chatId = '';

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
    otherAgent = await startFakeAgent('other-agent-secret-0002');
    files = createServer((req, res) => {
      if (req.url !== '/files/q3-report.pdf') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7 quarterly');
    });
    files.listen(0, '127.0.0.1');
    await once(files, 'listening');
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    feishu.users.set('ou_alice', { open_id: 'ou_alice', union_id: 'on_alice', name: 'Alice Wang' });
    setup = await installFeishu(hub, feishu, agent, 'acme');

    // Another workspace, its own agent and installation (a channel without media).
    const other = await hub.seedWorkspace('other');
    const created = await hub.request('POST', '/api/v1/workspaces/other/agents', {
      token: other.token,
      body: { name: 'other', deliveryUrl: otherAgent.url, deliverySecret: otherAgent.secret },
    });
    const installation = await hub.request('POST', '/api/v1/workspaces/other/installations', {
      token: other.token,
      body: { agentId: created.body.id, channelType: 'echo', config: { signing_secret: 'echo-secret-0002' } },
    });
    expect(installation.status, installation.text).toBe(201);
    otherInstallationId = installation.body.id;

    feishu.resources.set('om_img_1/img_in_1', { bytes: PNG, mimeType: 'image/png' });
    await eventually(() => (feishu.connections() === 1 ? true : undefined));
    await pushUntilAcked(feishu, feishuImage('ou_alice', 'om_img_1', 'img_in_1'));
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.msgType === 'image'),
    );
    deliveryId = delivery.body.id;
    chatId = delivery.body.message.source.chatId;
    expect(delivery.body.message.media).toEqual([{ kind: 'image', id: 'img_in_1', messageId: 'om_img_1' }]);
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await agent?.close();
    await otherAgent?.close();
    files?.closeAllConnections();
    files?.close();
  });

  const client = () => createHubClient({ hubUrl: hub.url, secret: agent.secret });

  it('serves the delivered image to its agent: the bytes the platform holds, with their type', async () => {
    const media = await client().downloadMedia({
      installationId: setup.installationId,
      deliveryId,
      index: 0,
    });
    expect(Buffer.from(media.bytes)).toEqual(PNG);
    expect(media.mimeType).toBe('image/png');
    const resource = feishu.calls.filter((c) => c.path.includes('/resources/')).at(-1);
    expect(resource).toMatchObject({
      path: '/open-apis/im/v1/messages/om_img_1/resources/img_in_1',
      query: { type: 'image' },
    });
    // An admin of the workspace may read it with a bearer token too.
    const byAdmin = await fetch(
      `${hub.url}/api/v1/installations/${setup.installationId}/deliveries/${deliveryId}/media/0`,
      { headers: { authorization: `Bearer ${setup.token}` } },
    );
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 404 to an agent of another workspace, and 401 when it signs for this installation', async () => {
    const other = createHubClient({ hubUrl: hub.url, secret: otherAgent.secret });
    const viaOwn = await rejection(
      other.downloadMedia({ installationId: otherInstallationId, deliveryId, index: 0 }),
    );
    expect([viaOwn.status, viaOwn.code]).toEqual([404, 'media_not_found']);
    const viaTheirs = await rejection(
      other.downloadMedia({ installationId: setup.installationId, deliveryId, index: 0 }),
    );
    expect(viaTheirs.status).toBe(401);
  });

  it('refuses a signature made for another URL, a missing index, and media over the cap', async () => {
    const path = `/api/v1/installations/${setup.installationId}/deliveries/${deliveryId}/media/0`;
    const { sign } = await import('@switchboard/agent');
    const replayed = await fetch(`${hub.url}${path}`, {
      headers: { 'x-switchboard-signature': sign(agent.secret, `GET ${path.replace(/0$/, '1')}`) },
    });
    expect(replayed.status).toBe(401);
    const missing = await rejection(
      client().downloadMedia({ installationId: setup.installationId, deliveryId, index: 1 }),
    );
    expect([missing.status, missing.code]).toEqual([404, 'media_not_found']);
    const tooLarge = await rejection(
      client().downloadMedia({ installationId: setup.installationId, deliveryId, index: 0, maxBytes: 8 }),
    );
    expect([tooLarge.status, tooLarge.code]).toEqual([413, 'media_too_large']);
  });

  it('answers 404 once the platform no longer has the media', async () => {
    feishu.resources.set('om_img_2/img_in_2', PNG);
    await pushUntilAcked(feishu, feishuImage('ou_alice', 'om_img_2', 'img_in_2'));
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.platformMessageId === 'om_img_2'),
    );
    feishu.resources.delete('om_img_2/img_in_2');
    const gone = await rejection(
      client().downloadMedia({
        installationId: setup.installationId,
        deliveryId: delivery.body.id,
        index: 0,
      }),
    );
    expect([gone.status, gone.code]).toEqual([404, 'media_not_found']);
  });

  it('sends the agent an image given as data: uploaded, then posted as an image message', async () => {
    const sent = await client().send({
      installationId: setup.installationId,
      chatId,
      media: { kind: 'image', data: PNG.toString('base64'), mimeType: 'image/png' },
      idempotencyKey: 'media-reply-1',
    });
    expect(sent.created).toBe(true);
    const message = await eventually(() => feishu.messages.find((m) => m.uuid === 'media-reply-1'));
    expect(message.msg_type).toBe('image');
    const imageKey = (JSON.parse(message.content) as { image_key: string }).image_key;
    expect(feishu.uploads.get(imageKey)).toEqual(PNG);
    const status = await hub.request(
      'GET',
      `/api/v1/installations/${setup.installationId}/messages/${sent.id}`,
      {
        token: setup.token,
      },
    );
    expect(status.body.status).toBe('sent');
    expect(status.body.platformMessageId).toBe(message.message_id);
  });

  it('sends a file by URL: fetched under the egress policy, uploaded under its name, then posted', async () => {
    await client().send({
      installationId: setup.installationId,
      chatId,
      text: 'the report',
      media: { kind: 'file', url: `${filesUrl}/files/q3-report.pdf` },
      idempotencyKey: 'media-reply-2',
    });
    const message = await eventually(() => feishu.messages.find((m) => m.uuid === 'media-reply-2'));
    expect(message.msg_type).toBe('file');
    const fileKey = (JSON.parse(message.content) as { file_key: string }).file_key;
    expect(feishu.uploads.get(fileKey)?.toString()).toBe('%PDF-1.7 quarterly');
    expect(feishu.uploadNames.get(fileKey)).toBe('q3-report.pdf');
    await eventually(() => feishu.messages.find((m) => m.content === JSON.stringify({ text: 'the report' })));
  });

  it('refuses a media URL at a private address, before anything is queued', async () => {
    for (const url of ['http://10.0.0.7/secret.png', 'http://169.254.169.254/latest/meta-data']) {
      const refused = await rejection(
        client().send({ installationId: setup.installationId, chatId, media: { kind: 'image', url } }),
      );
      expect([refused.status, refused.code]).toEqual([422, 'media_url_refused']);
    }
  });

  it('refuses data over the cap (400 on media.data) and bodies over the route limit (413)', async () => {
    const over = Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64');
    const res = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      token: setup.token,
      body: { target: { chatId }, media: { kind: 'file', data: over }, idempotencyKey: 'too-big-1' },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain('data');
    const huge = await hub.request('POST', `/api/v1/installations/${setup.installationId}/messages`, {
      token: setup.token,
      body: {
        target: { chatId },
        media: { kind: 'file', data: 'A'.repeat(16 * 1024 * 1024) },
        idempotencyKey: 'k',
      },
    });
    expect(huge.status).toBe(413);
  });

  it('answers 422 media_unsupported for a channel that cannot send media', async () => {
    const other = createHubClient({ hubUrl: hub.url, secret: otherAgent.secret });
    const refused = await rejection(
      other.send({
        installationId: otherInstallationId,
        chatId: 'chat-1',
        media: { kind: 'image', data: PNG.toString('base64') },
      }),
    );
    expect([refused.status, refused.code]).toEqual([422, 'media_unsupported']);
  });
});
