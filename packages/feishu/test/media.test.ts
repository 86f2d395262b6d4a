import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Capability, checkDeclaredCapabilities, has } from '@switchboard/core';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeishuApi } from '../src/api.js';
import { createFeishuChannelFactory, feishuConfigSchema } from '../src/index.js';
import {
  downloadFeishuResource,
  sendFeishuMedia,
  uploadFeishuFile,
  uploadFeishuImage,
} from '../src/media.js';
import { APP_ID, APP_SECRET, BOT, silentLogger, TENANT } from './helpers.js';

describe('media against the fake', () => {
  let feishu: FakeFeishu;
  let api: FeishuApi;
  beforeAll(async () => {
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    api = new FeishuApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: feishu.url, logger: silentLogger });
  });
  afterAll(async () => feishu?.close());

  it('uploads an image and a file as multipart, then sends them', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const imageKey = await uploadFeishuImage(api, { name: 'a.png', data: png });
    expect([...(feishu.uploads.get(imageKey) ?? [])]).toEqual([...png]);
    const fileKey = await uploadFeishuFile(api, {
      name: 'report.txt',
      data: new TextEncoder().encode('report'),
    });
    expect(feishu.uploads.get(fileKey)?.toString()).toBe('report');
    const imageMessage = await sendFeishuMedia(api, 'oc_chat1', { kind: 'image', imageKey }, 'media-1');
    const fileMessage = await sendFeishuMedia(api, 'oc_chat1', { kind: 'file', fileKey }, 'media-2');
    expect(feishu.messages.find((m) => m.message_id === imageMessage)).toMatchObject({
      msg_type: 'image',
      content: JSON.stringify({ image_key: imageKey }),
    });
    expect(feishu.messages.find((m) => m.message_id === fileMessage)).toMatchObject({ msg_type: 'file' });
  });

  it('downloads inbound media lazily, refusing more than the cap', async () => {
    feishu.resources.set('om_in1/img_in1', new Uint8Array(1000).fill(7));
    const { bytes } = await downloadFeishuResource(api, 'om_in1', 'img_in1', 'image');
    expect(bytes.length).toBe(1000);
    expect(bytes[999]).toBe(7);
    await expect(downloadFeishuResource(api, 'om_in1', 'img_in1', 'image', 100)).rejects.toMatchObject({
      code: 'media_too_large',
      maxBytes: 100,
    });
    await expect(downloadFeishuResource(api, 'om_in1', 'img_missing', 'image')).rejects.toMatchObject({
      code: 'media_not_found',
    });
  });
});

describe('the channel sends and downloads media', () => {
  let feishu: FakeFeishu;
  let files: Server;
  let filesUrl = '';
  beforeAll(async () => {
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    // A CDN that streams without a content-length, so only the running count can stop it.
    files = createServer((req, res) => {
      if (req.url === '/big.bin') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(1024 * 1024, 1);
        let sent = 0;
        const pump = () => {
          while (sent < 40 && res.write(chunk)) sent++;
          if (sent >= 40) res.end();
          else res.once('drain', pump);
        };
        pump();
        return;
      }
      if (req.url === '/notes.txt')
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('notes');
      res.writeHead(404).end();
    });
    files.listen(0, '127.0.0.1');
    await once(files, 'listening');
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await feishu?.close();
    files?.closeAllConnections();
    files?.close();
  });

  const channel = () =>
    createFeishuChannelFactory().create(
      feishuConfigSchema.parse({ app_id: APP_ID, app_secret: APP_SECRET, api_base_url: feishu.url }),
      { installationId: 'inst-1', logger: silentLogger },
    );

  it('declares Media and implements downloadMedia', () => {
    const created = channel();
    expect(has(created.capabilities(), Capability.Media)).toBe(true);
    expect(checkDeclaredCapabilities(created)).toEqual([]);
  });

  it('sends an image as a reply, its caption following as text', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 9]);
    const sent = await channel().send({
      target: { chatId: 'oc_chat1', reply: { replyToMessageId: 'om_parent' } },
      media: { kind: 'image', data: png.toString('base64'), caption: 'look' },
      idempotencyKey: 'reply-image-1',
    });
    const image = feishu.messages.find((m) => m.message_id === sent.platformMessageId);
    expect(image).toMatchObject({ msg_type: 'image', reply_to: 'om_parent', uuid: 'reply-image-1' });
    const key = (JSON.parse(image?.content ?? '{}') as { image_key: string }).image_key;
    expect(feishu.uploads.get(key)).toEqual(png);
    expect(feishu.messages.at(-1)).toMatchObject({
      msg_type: 'text',
      content: JSON.stringify({ text: 'look' }),
    });
  });

  it('uploads a URL file under its name, and refuses one the URL answers 404 or streams over the cap', async () => {
    const sent = await channel().send({
      target: { chatId: 'oc_chat1' },
      media: { kind: 'file', url: `${filesUrl}/notes.txt` },
      idempotencyKey: 'url-file-1',
    });
    const message = feishu.messages.find((m) => m.message_id === sent.platformMessageId);
    const key = (JSON.parse(message?.content ?? '{}') as { file_key: string }).file_key;
    expect(feishu.uploadNames.get(key)).toBe('notes.txt');
    expect(feishu.uploads.get(key)?.toString()).toBe('notes');
    await expect(
      channel().send({
        target: { chatId: 'oc_chat1' },
        media: { kind: 'file', url: `${filesUrl}/gone.pdf` },
        idempotencyKey: 'url-file-2',
      }),
    ).rejects.toMatchObject({ code: 'platform_error', kind: 'permanent', status: 404 });
    await expect(
      channel().send({
        target: { chatId: 'oc_chat1' },
        media: { kind: 'image', url: `${filesUrl}/big.bin` },
        idempotencyKey: 'url-file-3',
      }),
    ).rejects.toMatchObject({ code: 'media_too_large', maxBytes: 10 * 1024 * 1024 });
  });

  it('downloads a parsed ref with the type, content type and name Feishu serves', async () => {
    feishu.resources.set('om_in9/file_in9', {
      bytes: new TextEncoder().encode('%PDF-1.7'),
      mimeType: 'application/pdf',
      name: 'q3 report.pdf',
    });
    const media = await channel().downloadMedia(
      { kind: 'file', id: 'file_in9', messageId: 'om_in9' },
      { maxBytes: 1024 },
    );
    expect(new TextDecoder().decode(media.bytes)).toBe('%PDF-1.7');
    expect(media).toMatchObject({ mimeType: 'application/pdf', name: 'q3 report.pdf' });
    expect(feishu.calls.at(-1)).toMatchObject({
      path: '/open-apis/im/v1/messages/om_in9/resources/file_in9',
      query: { type: 'file' },
    });
    await expect(
      channel().downloadMedia({ kind: 'file', id: 'file_in9' }, { maxBytes: 1024 }),
    ).rejects.toMatchObject({
      code: 'media_not_found',
    });
  });
});
