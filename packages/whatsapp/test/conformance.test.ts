import { describeChannelConformance } from '@switchboard/testkit/conformance';
import { startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { createWhatsAppChannelFactory } from '../src/index.js';
import { ACCESS_TOKEN, APP_SECRET, textBatch, VERIFY_TOKEN, validConfig } from './fixtures.js';

describeChannelConformance({
  factory: createWhatsAppChannelFactory(),
  validConfig,
  invalidConfigs: {
    'a phone number id that is not numeric': { ...validConfig, phone_number_id: '+49 151' },
    'a missing app secret': { ...validConfig, app_secret: undefined },
    'an unknown default region': { ...validConfig, default_region: 'XX' },
    'a malformed api version': { ...validConfig, api_version: '23' },
  },
  secretKeys: ['access_token', 'app_secret', 'verify_token'],
  startPlatform: async () => {
    const fake = await startFakeWhatsApp({ accessToken: ACCESS_TOKEN });
    return {
      apiBaseUrl: fake.url,
      messageText: (target, id) => {
        const message = fake.messages.get(id);
        if (!message || message.recipient !== target.chatId) return undefined;
        return (message.body.text as { body?: string } | undefined)?.body;
      },
      media: {
        sentMedia: (_target, id) => {
          const body = fake.messages.get(id)?.body;
          const type = String(body?.type ?? '');
          const handle = body?.[type] as { id?: string; link?: string } | undefined;
          if (!handle) return undefined;
          const kind = type === 'document' ? 'file' : type;
          if (handle.link) return { kind, link: handle.link };
          const uploaded = handle.id ? fake.media.get(handle.id) : undefined;
          return { kind, ...(uploaded ? { bytes: uploaded.bytes } : {}) };
        },
        addInboundMedia: (bytes, kind) => {
          const id = `${7000000000 + fake.media.size}`;
          fake.addMedia(id, { bytes, mimeType: 'image/png' });
          return { kind, id, mimeType: 'image/png' };
        },
        missingRef: () => ({ kind: 'image', id: '1234567890' }),
      },
      close: () => fake.close(),
    };
  },
  sendTargets: [
    { chatId: '4915123456789' },
    { chatId: '4915123456789', reply: { replyToMessageId: 'wamid.in-1' } },
  ],
  appRoute: {
    installations: [validConfig, { ...validConfig, phone_number_id: '106540352242923' }],
    batch: textBatch,
    verification: { style: 'hmac', secret: APP_SECRET },
    challenge: {
      verifyToken: VERIFY_TOKEN,
      query: (token, challenge) => ({
        'hub.mode': 'subscribe',
        'hub.verify_token': token,
        'hub.challenge': challenge,
      }),
    },
  },
});
