import { describeChannelConformance } from '../src/conformance/index.js';
import { startFakeEchoPlatform } from '../src/fakes/echo/index.js';
import { type AppChatBatch, createAppChatChannelFactory } from '../src/index.js';

const APP = { app_key: 'app-1001', app_secret: 'app-chat-secret-0001', verify_token: 'verify-0001' };

/** A batch as the platform posts it: one change per phone number, two messages each. */
const batch = (phoneNumberIds: string[]): string =>
  JSON.stringify({
    object: 'app_chat',
    entry: [
      {
        changes: phoneNumberIds.map((id) => ({
          metadata: { phone_number_id: id },
          messages: [
            { id: `${id}-m1`, from: '4915112345678', text: 'hello' },
            { id: `${id}-m2`, from: '4915112345678', text: 'again' },
          ],
        })),
      },
    ],
  } satisfies AppChatBatch);

describeChannelConformance({
  factory: createAppChatChannelFactory(),
  validConfig: { ...APP, phone_number_id: 'pn-1' },
  invalidConfigs: { 'a missing phone number id': { ...APP } },
  secretKeys: ['app_secret', 'verify_token'],
  startPlatform: async () => {
    const fake = await startFakeEchoPlatform();
    return {
      apiBaseUrl: fake.url,
      messageText: (target, id) => {
        const message = fake.messages.get(id);
        return message?.chatId === target.chatId ? message.text : undefined;
      },
      close: () => fake.close(),
    };
  },
  sendTargets: [{ chatId: '4915112345678' }],
  appRoute: {
    installations: [
      { ...APP, phone_number_id: 'pn-1' },
      { ...APP, phone_number_id: 'pn-2' },
    ],
    batch,
    verification: { style: 'hmac', secret: APP.app_secret },
    challenge: {
      verifyToken: APP.verify_token,
      query: (token, challenge) => ({
        'hub.mode': 'subscribe',
        'hub.verify_token': token,
        'hub.challenge': challenge,
      }),
    },
  },
});
