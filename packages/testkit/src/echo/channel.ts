import {
  type Capabilities,
  Capability,
  type Channel,
  type ChannelContext,
  type ChannelDeps,
  type ChannelFactory,
  capabilities,
  type IdentityKey,
  type OutboundMessage,
  PlatformError,
  parseOutboundMessage,
  type SendResult,
  type Source,
  type WebhookHandler,
} from '@switchboard/core';
import { z } from 'zod';
import { EchoApiClient } from './api-client.js';
import { type EchoChannelConfig, echoConfigSchema } from './config.js';
import { parseEchoRequest } from './parse.js';
import { verifyEchoRequest } from './verify.js';

export interface EchoSentMessage {
  platformMessageId: string;
  message: OutboundMessage;
}

export type EchoChannelState = 'created' | 'connected' | 'disconnected';

const sendResponseSchema = z.object({ id: z.string().min(1) });

/** How many in-memory sends an echo channel keeps; older ones are dropped so it never grows unbounded. */
export const ECHO_SENT_LIMIT = 1_000;

/**
 * A TEST channel with no platform behind it: webhooks signed with a shared secret, sends kept in
 * memory. It is not part of any production hub; tests register it themselves (see the README).
 */
export class EchoChannel implements Channel {
  readonly type = 'echo';
  readonly webhook: WebhookHandler;
  /**
   * Messages delivered in memory (no `api_base_url`), oldest first, at most `ECHO_SENT_LIMIT` (the
   * oldest are dropped); `update` edits entries in place.
   */
  readonly sent: EchoSentMessage[] = [];
  #sendCount = 0;
  state: EchoChannelState = 'created';
  /** The context of the latest `connect`, so tests can `emit` as a long-connection channel would. */
  context?: ChannelContext;
  readonly #api?: EchoApiClient;
  readonly #senderNamespace: string | undefined;

  constructor(config: EchoChannelConfig, deps: ChannelDeps) {
    this.#senderNamespace = config.sender_namespace;
    const parseContext = {
      installationId: deps.installationId,
      botUserId: config.bot_user_id,
      tenantKey: config.tenant_key,
    };
    this.webhook = {
      verify: (req) => verifyEchoRequest(config.signing_secret, req),
      parse: (req) => parseEchoRequest(req, parseContext),
    };
    if (config.api_base_url) {
      this.#api = new EchoApiClient({ baseUrl: config.api_base_url, fetch: deps.fetch ?? globalThis.fetch });
    }
  }

  capabilities(): Capabilities {
    return capabilities(Capability.Text, Capability.Threads, Capability.Webhook, Capability.Edit);
  }

  /** With `sender_namespace`, a sender's id is an identifier in that namespace (e.g. a phone). */
  senderIdentities(source: Source): IdentityKey[] {
    return this.#senderNamespace ? [{ namespace: this.#senderNamespace, identifier: source.sender.id }] : [];
  }

  async connect(ctx: ChannelContext): Promise<void> {
    this.context = ctx;
    this.state = 'connected';
  }

  async disconnect(): Promise<void> {
    this.state = 'disconnected';
  }

  async send(msg: OutboundMessage): Promise<SendResult> {
    const message = parseOutboundMessage(msg);
    if (this.#api) {
      const response = await this.#api.request('POST', '/messages', wireBody(message));
      const parsed = sendResponseSchema.safeParse(response);
      if (!parsed.success)
        throw new PlatformError('permanent', 'echo API POST /messages answered without an id');
      return { platformMessageId: parsed.data.id };
    }
    this.#sendCount += 1;
    const platformMessageId = `echo-${this.#sendCount}`;
    this.sent.push({ platformMessageId, message });
    if (this.sent.length > ECHO_SENT_LIMIT) this.sent.splice(0, this.sent.length - ECHO_SENT_LIMIT);
    return { platformMessageId };
  }

  async update(platformMessageId: string, msg: OutboundMessage): Promise<SendResult> {
    const message = parseOutboundMessage(msg);
    if (this.#api) {
      const response = await this.#api.request(
        'PATCH',
        `/messages/${encodeURIComponent(platformMessageId)}`,
        wireBody(message),
      );
      const parsed = sendResponseSchema.safeParse(response);
      return { platformMessageId: parsed.success ? parsed.data.id : platformMessageId };
    }
    const entry = this.sent.find((candidate) => candidate.platformMessageId === platformMessageId);
    if (!entry) throw new PlatformError('not_found', `echo message ${platformMessageId} was never sent`);
    entry.message = message;
    return { platformMessageId };
  }
}

function wireBody(message: OutboundMessage): Record<string, unknown> {
  return {
    chatId: message.target.chatId,
    text: message.text,
    threadId: message.target.reply?.threadId,
    card: message.card,
    idempotencyKey: message.idempotencyKey,
  };
}

export interface EchoChannelFactory extends ChannelFactory<EchoChannelConfig> {
  readonly configSchema: typeof echoConfigSchema;
  create(config: EchoChannelConfig, deps: ChannelDeps): EchoChannel;
}

export function createEchoChannelFactory(): EchoChannelFactory {
  return {
    type: 'echo',
    displayName: 'Echo (test channel)',
    capabilities: capabilities(Capability.Text, Capability.Threads, Capability.Webhook, Capability.Edit),
    configSchema: echoConfigSchema,
    create: (config, deps) => new EchoChannel(config, deps),
  };
}
