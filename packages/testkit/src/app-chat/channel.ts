import {
  type AppRoute,
  type AppRouteResult,
  apiBaseUrlField,
  Capability,
  type ChannelFactory,
  capabilities,
  checkPayload,
  decodeJsonBody,
  header,
  type InboundEvent,
  PlatformError,
  parseOutboundMessage,
  secret,
  type VerifyResult,
  type WebhookRequest,
} from '@switchboard/core';
import { constantTimeEqual, verifyHubSignature256 } from '@switchboard/signing';
import { z } from 'zod';
import { EchoApiClient } from '../echo/api-client.js';

/**
 * A TEST channel in the WhatsApp Cloud API mould, for the app-level route: one app (one URL, one
 * app secret) serves many installations, each a phone number. Events arrive at
 * `/hooks/app/app-chat/{app_key}` signed with `X-Hub-Signature-256` over the body; the URL is
 * verified with a GET `hub.challenge`. Each change names its installation by
 * `metadata.phone_number_id`. Sends go to the fake echo platform.
 */
export const appChatConfigSchema = z.object({
  /** The app all its phone numbers share; the `{appKey}` of the route. */
  app_key: z.string().min(1),
  /** This installation's phone number within the app. */
  phone_number_id: z.string().min(1),
  app_secret: secret(z.string().min(8)),
  verify_token: secret(z.string().min(8)),
  api_base_url: apiBaseUrlField,
});
export type AppChatConfig = z.output<typeof appChatConfigSchema>;

const messageSchema = z.object({ id: z.string().min(1), from: z.string().min(1), text: z.string() });
export const appChatBatchSchema = z.object({
  object: z.literal('app_chat'),
  entry: z.array(
    z.object({
      changes: z.array(
        z.object({
          metadata: z.object({ phone_number_id: z.string().min(1) }),
          messages: z.array(messageSchema).default([]),
        }),
      ),
    }),
  ),
});
export type AppChatBatch = z.input<typeof appChatBatchSchema>;

function verifyChallenge(req: WebhookRequest, app: AppChatConfig): VerifyResult {
  const token = req.query['hub.verify_token'];
  if (req.query['hub.mode'] !== 'subscribe' || !token || !req.query['hub.challenge']) {
    return { ok: false, reason: 'missing_signature', message: 'not a subscription challenge' };
  }
  return constantTimeEqual(Buffer.from(token), Buffer.from(app.verify_token))
    ? { ok: true }
    : { ok: false, reason: 'bad_token', message: 'verify token does not match' };
}

function route(req: WebhookRequest, _app: AppChatConfig): AppRouteResult {
  if (req.method === 'GET') {
    return { response: { status: 200, body: req.query['hub.challenge'] ?? '' }, targets: [] };
  }
  const batch = checkPayload(appChatBatchSchema, decodeJsonBody(req.rawBody, 'app-chat'), [], 'bad batch');
  // Changes for one phone number may be spread over entries: one target per phone number.
  const byPhone = new Map<string, Array<z.infer<typeof messageSchema>>>();
  for (const entry of batch.entry) {
    for (const change of entry.changes) {
      const key = change.metadata.phone_number_id;
      byPhone.set(key, [...(byPhone.get(key) ?? []), ...change.messages]);
    }
  }
  return {
    targets: [...byPhone].map(([phoneNumberId, messages]) => ({
      installationKey: phoneNumberId,
      events: (installationId): InboundEvent[] =>
        messages.map((message) => ({
          kind: 'message',
          eventId: message.id,
          message: {
            platformMessageId: message.id,
            source: {
              channelType: 'app-chat',
              installationId,
              chatId: message.from,
              chatType: 'direct',
              sender: { id: message.from, isBot: false, isExternal: false },
            },
            msgType: 'text',
            text: message.text,
            media: [],
            mentions: [],
            mentionsBot: true,
            sentAt: req.receivedAt.toISOString(),
          },
        })),
    })),
  };
}

export const appChatRoute: AppRoute<AppChatConfig> = {
  appKeyField: 'app_key',
  installationKeyField: 'phone_number_id',
  verify: (req, app) =>
    req.method === 'GET'
      ? verifyChallenge(req, app)
      : verifyHubSignature256(app.app_secret, header(req, 'x-hub-signature-256'), req.rawBody),
  route,
};

const caps = capabilities(Capability.Text);

export function createAppChatChannelFactory(): ChannelFactory<AppChatConfig> {
  return {
    type: 'app-chat',
    displayName: 'App chat (test channel, app-level route)',
    capabilities: caps,
    configSchema: appChatConfigSchema,
    appRoute: appChatRoute,
    create: (config, deps) => {
      const api = config.api_base_url
        ? new EchoApiClient({ baseUrl: config.api_base_url, fetch: deps.fetch ?? globalThis.fetch })
        : undefined;
      return {
        type: 'app-chat',
        capabilities: () => caps,
        connect: async () => {},
        disconnect: async () => {},
        send: async (input) => {
          const message = parseOutboundMessage(input);
          if (!api) throw new PlatformError('permanent', 'app-chat needs api_base_url to send');
          const answer = (await api.request('POST', '/messages', {
            chatId: message.target.chatId,
            text: message.text,
            idempotencyKey: message.idempotencyKey,
            from: config.phone_number_id,
          })) as { id?: unknown };
          if (typeof answer?.id !== 'string') throw new PlatformError('permanent', 'answered without an id');
          return { platformMessageId: answer.id };
        },
      };
    },
  };
}
