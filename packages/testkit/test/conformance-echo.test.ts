import { describeChannelConformance } from '../src/conformance/index.js';
import { startFakeEchoPlatform } from '../src/fakes/echo/index.js';
import { createEchoChannelFactory, signEchoRequest } from '../src/index.js';

const SIGNING_SECRET = 'echo-conformance-secret';

const fixtures = [
  {
    name: 'a direct message',
    body: JSON.stringify({
      type: 'message',
      id: 'e-1',
      chatId: 'C1',
      user: { id: 'U1', name: 'Ada' },
      text: 'hi',
    }),
  },
  {
    name: 'a batch with a thread reply and an unsupported event',
    body: JSON.stringify({
      type: 'batch',
      events: [
        { type: 'message', id: 'e-2', chatId: 'C1', threadId: 'T1', user: { id: 'U2' }, text: 'in thread' },
        { type: 'reaction', id: 'e-3' },
      ],
    }),
  },
  { name: 'a url verification', body: JSON.stringify({ type: 'url_verification', challenge: 'c-1' }) },
];

describeChannelConformance({
  factory: createEchoChannelFactory(),
  validConfig: { signing_secret: SIGNING_SECRET },
  invalidConfigs: {
    'a missing signing secret': {},
    'a short signing secret': { signing_secret: 'short' },
    'an empty bot user id': { signing_secret: SIGNING_SECRET, bot_user_id: '' },
  },
  secretKeys: ['signing_secret'],
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
  webhook: {
    fixtures,
    sign: (rawBody, { timestampSeconds }) => ({
      ...signEchoRequest(SIGNING_SECRET, rawBody, timestampSeconds),
    }),
  },
  sendTargets: [{ chatId: 'C1' }, { chatId: 'C1', reply: { threadId: 'T1' } }],
});
