import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeishuApi } from '../src/api.js';
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
    const bytes = await downloadFeishuResource(api, 'om_in1', 'img_in1', 'image');
    expect(bytes.length).toBe(1000);
    expect(bytes[999]).toBe(7);
    await expect(downloadFeishuResource(api, 'om_in1', 'img_in1', 'image', 100)).rejects.toThrow(
      /larger than 100 bytes/,
    );
    await expect(downloadFeishuResource(api, 'om_in1', 'img_missing', 'image')).rejects.toMatchObject({
      code: 'platform_error',
    });
  });
});
