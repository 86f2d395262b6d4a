import {
  apiBaseUrlField,
  Capability,
  type ChannelFactory,
  capabilities,
  checkPayload,
  decodeJsonBody,
  header,
  PlatformError,
  secret,
  type VerifyResult,
  type WebhookRequest,
} from '@switchboard/core';
import { constantTimeEqual, verifyHubSignature256 } from '@switchboard/signing';
import { z } from 'zod';
import { describeChannelConformance } from '../src/conformance/index.js';
import { startFakeEchoPlatform } from '../src/fakes/echo/index.js';

// A platform in the GitHub / WhatsApp Cloud API mould: events signed with X-Hub-Signature-256 and
// no timestamp, a delivery id header, and a GET challenge when the webhook URL is registered.
const APP_SECRET = 'hub-style-app-secret';
const VERIFY_TOKEN = 'verify-me-0001';

const configSchema = z.object({
  app_secret: secret(z.string().min(8)),
  verify_token: secret(z.string().min(8)),
  api_base_url: apiBaseUrlField,
});
type HubStyleConfig = z.infer<typeof configSchema>;

const eventSchema = z.object({ id: z.string(), chat: z.string(), from: z.string(), text: z.string() });

function verifyChallenge(config: HubStyleConfig, req: WebhookRequest): VerifyResult {
  const token = req.query['hub.verify_token'];
  if (req.query['hub.mode'] !== 'subscribe' || !token || !req.query['hub.challenge']) {
    return { ok: false, reason: 'missing_signature', message: 'not a subscription challenge' };
  }
  const matches = constantTimeEqual(Buffer.from(token), Buffer.from(config.verify_token));
  return matches ? { ok: true } : { ok: false, reason: 'bad_token', message: 'verify token does not match' };
}

const caps = capabilities(Capability.Text, Capability.Webhook);
const hubStyleFactory: ChannelFactory<HubStyleConfig> = {
  type: 'hub-style',
  configSchema,
  create: (config, deps) => ({
    type: 'hub-style',
    capabilities: () => caps,
    connect: async () => {},
    disconnect: async () => {},
    webhook: {
      verify: (req) =>
        req.method === 'GET'
          ? verifyChallenge(config, req)
          : verifyHubSignature256(config.app_secret, header(req, 'x-hub-signature-256'), req.rawBody),
      parse: (req) => {
        if (req.method === 'GET')
          return { response: { status: 200, body: req.query['hub.challenge'] }, events: [] };
        const event = checkPayload(eventSchema, decodeJsonBody(req.rawBody, 'hub-style'), [], 'bad event');
        const source = {
          channelType: 'hub-style',
          installationId: deps.installationId,
          chatId: event.chat,
          chatType: 'direct' as const,
          sender: { id: event.from, isBot: false, isExternal: false },
        };
        // The delivery id is the dedup key: a redelivery carries the same one.
        const eventId = header(req, 'x-delivery-id') ?? event.id;
        const message = {
          platformMessageId: event.id,
          source,
          msgType: 'text' as const,
          text: event.text,
          media: [],
          mentions: [],
          mentionsBot: true,
          sentAt: req.receivedAt.toISOString(),
        };
        return { events: [{ kind: 'message', eventId, message }] };
      },
    },
    send: async (msg) => {
      const response = await fetch(`${config.api_base_url}messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          chatId: msg.target.chatId,
          text: msg.text,
          idempotencyKey: msg.idempotencyKey,
        }),
      });
      if (!response.ok) throw new PlatformError('permanent', `answered ${response.status}`);
      return { platformMessageId: ((await response.json()) as { id: string }).id };
    },
  }),
};

describeChannelConformance({
  factory: hubStyleFactory,
  validConfig: { app_secret: APP_SECRET, verify_token: VERIFY_TOKEN },
  invalidConfigs: { 'a missing app secret': { verify_token: VERIFY_TOKEN } },
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
  webhook: {
    fixtures: [
      { name: 'a message', body: JSON.stringify({ id: 'm-1', chat: 'c-1', from: 'u-1', text: 'hi' }) },
    ],
    verification: {
      style: 'hmac',
      secret: APP_SECRET,
      deliveryHeaders: (deliveryId) => ({ 'x-delivery-id': deliveryId }),
    },
    challenge: {
      verifyToken: VERIFY_TOKEN,
      query: (token, challenge) => ({
        'hub.mode': 'subscribe',
        'hub.verify_token': token,
        'hub.challenge': challenge,
      }),
    },
  },
  sendTargets: [{ chatId: 'c-1' }],
});
