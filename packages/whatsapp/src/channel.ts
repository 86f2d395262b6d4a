import {
  type AppRoute,
  Capability,
  type Channel,
  type ChannelDeps,
  type ChannelFactory,
  capabilities,
  type DownloadedMedia,
  type IdentityKey,
  type MediaRef,
  type OutboundMessage,
  type SendResult,
  type Source,
} from '@switchboard/core';
import { type WhatsAppChannelConfig, whatsappConfigSchema } from './config.js';
import { GraphClient } from './graph-client.js';
import { whatsappSenderIdentities, whatsappVerificationChatId } from './identity.js';
import { downloadWhatsAppRef } from './media.js';
import { routeWhatsAppBatch, WHATSAPP_TYPE } from './parse.js';
import { prepareWhatsAppConfig } from './prepare-config.js';
import { SentParts, sendWhatsAppMessage } from './send.js';
import { whatsappSetupSteps } from './setup-steps.js';
import { verifySubscription, verifyWhatsAppSignature } from './verify.js';

const caps = capabilities(Capability.Text, Capability.Media, Capability.Reactions, Capability.Cards);

/**
 * Meta posts every number's events of one app to one callback URL, `/hooks/app/whatsapp/{app_id}`;
 * the hub verifies with the app secret the app's installations share and routes each change to
 * the installation of its `metadata.phone_number_id`.
 */
export const whatsappAppRoute: AppRoute<WhatsAppChannelConfig> = {
  appKeyField: 'app_id',
  installationKeyField: 'phone_number_id',
  verify: (req, app) =>
    req.method === 'GET'
      ? verifySubscription(req, app.verify_token)
      : verifyWhatsAppSignature(req, app.app_secret),
  route: (req, app) =>
    req.method === 'GET'
      ? // The challenge goes back raw, as text: Meta compares the body with what it sent.
        {
          response: {
            status: 200,
            body: req.query['hub.challenge'] ?? '',
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          },
          targets: [],
        }
      : routeWhatsAppBatch(req.rawBody, app.app_id),
};

/** One WhatsApp business phone number. Events arrive through the app route; it only sends. */
export class WhatsAppChannel implements Channel {
  readonly type = WHATSAPP_TYPE;
  readonly #config: WhatsAppChannelConfig;
  readonly #graph: GraphClient;
  readonly #sent = new SentParts();

  constructor(config: WhatsAppChannelConfig, deps: ChannelDeps) {
    this.#config = config;
    this.#graph = new GraphClient({
      ...(config.api_base_url ? { baseUrl: config.api_base_url } : {}),
      version: config.api_version,
      accessToken: config.access_token,
      fetch: deps.fetch ?? globalThis.fetch,
    });
  }

  capabilities() {
    return caps;
  }
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  send(message: OutboundMessage): Promise<SendResult> {
    return sendWhatsAppMessage(message, {
      graph: this.#graph,
      phoneNumberId: this.#config.phone_number_id,
      sent: this.#sent,
    });
  }

  /** The bytes of a received `MediaRef` (its `id`), within the smaller of the two caps. */
  downloadMedia(ref: MediaRef, options: { maxBytes: number }): Promise<DownloadedMedia> {
    return downloadWhatsAppRef(this.#graph, ref, Math.min(options.maxBytes, this.#config.max_media_bytes));
  }

  homeTenant(): string {
    return this.#config.phone_number_id;
  }
  homeApp(): string {
    return this.#config.app_id;
  }
  senderIdentities(source: Source): IdentityKey[] {
    return whatsappSenderIdentities(source);
  }
  /** Anyone can type a phone number: only phones and JIDs their owner proved route messages. */
  readonly provenIdentitiesOnly = true;
  verificationChatId(key: IdentityKey): string | undefined {
    return whatsappVerificationChatId(key);
  }
}

export type WhatsAppChannelFactory = ChannelFactory<WhatsAppChannelConfig>;

export function createWhatsAppChannelFactory(): WhatsAppChannelFactory {
  return {
    type: WHATSAPP_TYPE,
    displayName: 'WhatsApp (Business Cloud API)',
    capabilities: caps,
    configSchema: whatsappConfigSchema,
    appRoute: whatsappAppRoute,
    prepareConfig: prepareWhatsAppConfig,
    create: (config, deps) => new WhatsAppChannel(config, deps),
    setupSteps: whatsappSetupSteps,
  };
}
