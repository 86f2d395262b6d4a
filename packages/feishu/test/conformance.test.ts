import { randomBytes } from 'node:crypto';
import { type ChannelConformanceOptions, describeChannelConformance } from '@switchboard/testkit/conformance';
import { startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { encryptFeishuPayload } from '../src/decrypt.js';
import { createFeishuChannelFactory, type FeishuChannelConfig } from '../src/index.js';
import { feishuSignature } from '../src/verify.js';
import { APP_ID, APP_SECRET, BOT, ENCRYPT_KEY, messageEnvelope, TENANT } from './helpers.js';

const base = { app_id: APP_ID, app_secret: APP_SECRET };
const encrypted = (payload: unknown) =>
  JSON.stringify({ encrypt: encryptFeishuPayload(JSON.stringify(payload), ENCRYPT_KEY) });
const event = (eventType: string, body: Record<string, unknown>) => ({
  schema: '2.0',
  header: {
    event_id: `ev_${eventType}`,
    event_type: eventType,
    app_id: APP_ID,
    tenant_key: TENANT,
    create_time: '1741944413000',
    token: '',
  },
  event: body,
});

const fixtures = [
  {
    name: 'im.message.receive_v1 (p2p text)',
    body: encrypted(messageEnvelope({ eventId: 'ev_fx_1', text: 'hello' })),
  },
  {
    name: 'im.message.receive_v1 (group post)',
    body: encrypted(
      messageEnvelope({
        eventId: 'ev_fx_2',
        chatType: 'group',
        messageType: 'post',
        content: JSON.stringify({ title: 'T', content: [[{ tag: 'text', text: 'x' }]] }),
      }),
    ),
  },
  {
    name: 'im.message.reaction.created_v1',
    body: encrypted(
      event('im.message.reaction.created_v1', {
        message_id: 'om_1',
        reaction_type: { emoji_type: 'OK' },
        operator_type: 'user',
        user_id: { open_id: 'ou_a', union_id: 'on_a' },
      }),
    ),
  },
  {
    name: 'im.chat.member.user.added_v1',
    body: encrypted(
      event('im.chat.member.user.added_v1', {
        chat_id: 'oc_1',
        users: [{ name: 'A', tenant_key: TENANT, user_id: { open_id: 'ou_a', union_id: 'on_a' } }],
      }),
    ),
  },
  {
    name: 'im.message.recalled_v1',
    body: encrypted(
      event('im.message.recalled_v1', { message_id: 'om_1', chat_id: 'oc_1', recall_time: '1741944413000' }),
    ),
  },
];

/** Feishu signs `timestamp + nonce + encrypt_key + body`; every push has its own nonce. */
const sign = (rawBody: Uint8Array, { timestampSeconds }: { timestampSeconds: number }) => {
  const nonce = randomBytes(8).toString('hex');
  const timestamp = String(timestampSeconds);
  return {
    'x-lark-request-timestamp': timestamp,
    'x-lark-request-nonce': nonce,
    'x-lark-signature': feishuSignature(timestamp, nonce, ENCRYPT_KEY, rawBody),
  };
};

const factory = createFeishuChannelFactory({ connectTimeoutMs: 3_000 });
const shared: Omit<ChannelConformanceOptions<FeishuChannelConfig>, 'validConfig' | 'name'> = {
  // The app route is covered by app-route.test.ts: the suite's app-route checks post one batch for
  // several installations, and Feishu pushes one tenant's event per request.
  factory: { ...factory, appRoute: undefined },
  invalidConfigs: {
    'an app id the long connection would ignore': { ...base, app_id: 'cli_short' },
    'a missing app secret': { app_id: APP_ID },
    'webhook mode without a token or encrypt key': { ...base, mode: 'webhook' },
    'an unknown region': { ...base, region: 'mars' },
  },
  secretKeys: ['app_secret', 'verification_token', 'encrypt_key'],
  startPlatform: async () => {
    const running = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    return {
      apiBaseUrl: running.url,
      messageText: (_target, id) => {
        const message = running.messages.find((m) => m.message_id === id);
        return message ? (JSON.parse(message.content) as { text?: string }).text : undefined;
      },
      waitForConnections: async (count) => {
        const deadline = Date.now() + 10_000;
        while (running.connections() !== count) {
          if (Date.now() > deadline) throw new Error(`expected ${count} long connections`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      pushEvent: async () => {
        await running.push(messageEnvelope({ eventId: 'ev_pushed', text: 'pushed' }));
      },
      media: {
        sentMedia: (_target, id) => {
          const message = running.messages.find((m) => m.message_id === id);
          if (!message) return undefined;
          const content = JSON.parse(message.content) as { image_key?: string; file_key?: string };
          const bytes = running.uploads.get(content.image_key ?? content.file_key ?? '');
          return { kind: message.msg_type, ...(bytes ? { bytes: new Uint8Array(bytes) } : {}) };
        },
        addInboundMedia: (bytes, kind) => {
          const n = running.resources.size + 1;
          running.resources.set(`om_conf${n}/media_conf${n}`, bytes);
          return { kind, id: `media_conf${n}`, messageId: `om_conf${n}` };
        },
        missingRef: () => ({ kind: 'image', id: 'img_missing', messageId: 'om_missing' }),
      },
      close: () => running.close(),
    };
  },
  sendTargets: [
    { chatId: 'oc_chat1' },
    { chatId: 'oc_chat1', reply: { replyToMessageId: 'om_parent', threadId: 'om_root' } },
  ],
};

describeChannelConformance({
  ...shared,
  name: 'feishu channel conformance (webhook mode, encrypted and signed)',
  validConfig: { ...base, mode: 'webhook', encrypt_key: ENCRYPT_KEY },
  webhook: { fixtures, verification: { style: 'timestamped-hmac', sign } },
});

describeChannelConformance({
  ...shared,
  name: 'feishu channel conformance (long connection)',
  validConfig: { ...base },
});
