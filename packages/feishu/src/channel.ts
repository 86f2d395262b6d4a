import {
  type Capabilities,
  Capability,
  type Channel,
  type ChannelContext,
  type ChannelDeps,
  type ChannelFactory,
  capabilities,
  type DirectoryProfile,
  type DownloadedMedia,
  type IdentityKey,
  type InboundMessage,
  type Logger,
  type MediaRef,
  type OutboundMessage,
  type Sender,
  type SendResult,
  type Source,
  type WebhookHandler,
} from '@switchboard/core';
import { FeishuApi } from './api.js';
import { type FeishuChannelConfig, feishuApiBaseUrl, feishuConfigSchema } from './config.js';
import { fetchFeishuBotOpenId, fetchFeishuProfile, fetchFeishuTenantKey } from './directory.js';
import { parseJsonObject, readFeishuEnvelope } from './envelope.js';
import { FEISHU_UNION_NAMESPACE, feishuCommandText, feishuSenderIdentities } from './identity.js';
import { FeishuLongConnection } from './long-connection.js';
import { downloadFeishuMedia } from './media.js';
import { type FeishuParseContext, parseFeishuEvent } from './parse.js';
import { prepareFeishuConfig } from './prepare-config.js';
import { sendFeishuMessage, updateFeishuMessage } from './send.js';
import { FEISHU_HEARTBEAT_MS, feishuSetupSteps } from './setup-steps.js';
import { createFeishuWebhook, feishuAppRoute } from './webhook.js';

export interface FeishuChannelOptions {
  connectTimeoutMs?: number;
}

/**
 * One Feishu / Lark app installation. `webhook` mode: Feishu posts to the hub, verified and
 * decrypted over the raw bytes here. `websocket` mode: `connect()` opens the SDK's long
 * connection and records each event through `ctx.emit` before the SDK acks it.
 */
export class FeishuChannel implements Channel {
  readonly type = 'feishu';
  readonly webhook?: WebhookHandler;
  readonly identityNamespace = FEISHU_UNION_NAMESPACE;
  readonly #config: FeishuChannelConfig;
  readonly #options: FeishuChannelOptions;
  readonly #api: FeishuApi;
  readonly #logger: Logger;
  readonly #parseContext: FeishuParseContext;
  #detectedTenant: string | undefined;
  #botOpenId: string | undefined;
  #connection: FeishuLongConnection | undefined;
  readonly #lookup: ChannelDeps['lookup'];
  /** The hub's egress-checked fetch, for media URLs agents name (Open API calls use the SDK). */
  readonly #fetch: typeof globalThis.fetch;

  constructor(config: FeishuChannelConfig, deps: ChannelDeps, options: FeishuChannelOptions = {}) {
    this.#config = config;
    this.#options = options;
    this.#logger = deps.logger.child({ channelType: 'feishu', installationId: deps.installationId });
    this.#detectedTenant = config.detected_tenant_key;
    this.#botOpenId = config.bot_open_id;
    this.#api = new FeishuApi({
      appId: config.app_id,
      appSecret: config.app_secret,
      baseUrl: feishuApiBaseUrl(config),
      logger: this.#logger,
      lookup: deps.lookup,
    });
    this.#lookup = deps.lookup;
    this.#fetch = deps.fetch ?? globalThis.fetch;
    this.#parseContext = {
      installationId: deps.installationId,
      appId: config.app_id,
      homeTenant: () => this.homeTenant(),
      botOpenId: () => this.#botOpenId,
    };
    if (config.mode === 'webhook') this.webhook = createFeishuWebhook(config, this.#parseContext);
  }

  capabilities(): Capabilities {
    return capabilities(
      Capability.Text,
      Capability.Media,
      Capability.Threads,
      Capability.Cards,
      Capability.Edit,
      this.#config.mode === 'websocket' ? Capability.LongConnection : Capability.Webhook,
      Capability.AutoProvision,
    );
  }

  /**
   * Learns the bot's open id and, unless configured, the tenant (both also filled in at install),
   * then in websocket mode opens the long connection. Rejects with a `PlatformError` when Feishu
   * refuses; a connection that drops later is reported through `ctx.reportConnectionLost`.
   */
  async connect(ctx: ChannelContext): Promise<void> {
    ctx.signal.throwIfAborted();
    await this.#learnIdentity();
    if (this.#config.mode !== 'websocket') return;
    await this.disconnect();
    const connection = new FeishuLongConnection({
      appId: this.#config.app_id,
      appSecret: this.#config.app_secret,
      baseUrl: feishuApiBaseUrl(this.#config),
      logger: this.#logger,
      lookup: this.#lookup,
      ...(this.#options.connectTimeoutMs ? { connectTimeoutMs: this.#options.connectTimeoutMs } : {}),
      record: (envelope) => this.#record(ctx, envelope),
      onAlive: (heartbeat) => ctx.reportAlive?.(heartbeat),
      onLost: (error) => {
        if (this.#connection === connection) this.#connection = undefined;
        if (ctx.reportConnectionLost) ctx.reportConnectionLost(error);
        else
          this.#logger.error({ err: error }, 'Feishu long connection lost and no supervisor to report it to');
      },
    });
    this.#connection = connection;
    ctx.signal.addEventListener('abort', () => void this.disconnect(), { once: true });
    try {
      await connection.open();
    } catch (error) {
      if (this.#connection === connection) this.#connection = undefined;
      throw error;
    }
  }

  /**
   * Asks Feishu who the bot is and (unless configured) which tenant the app is in. When the
   * install already stored both, an outage only costs a warning: the stored values stand.
   */
  async #learnIdentity(): Promise<void> {
    try {
      this.#botOpenId = await fetchFeishuBotOpenId(this.#api);
      if (!this.#config.tenant_key) this.#detectedTenant = await fetchFeishuTenantKey(this.#api);
    } catch (error) {
      const known = this.#botOpenId !== undefined && this.homeTenant() !== undefined;
      if (!known) throw error;
      this.#logger.warn(
        { err: error },
        'Feishu bot info or tenant query failed; using the values stored at install',
      );
    }
  }

  /** One envelope from the long connection → recorded events; throws when they cannot be recorded. */
  async #record(ctx: ChannelContext, envelope: unknown): Promise<void> {
    let events: ReturnType<typeof parseFeishuEvent>;
    try {
      const body =
        typeof envelope === 'string'
          ? parseJsonObject(envelope, 'long-connection payload')
          : (envelope as Record<string, unknown>);
      const decoded = readFeishuEnvelope(body);
      if (decoded.kind !== 'event') return;
      events = parseFeishuEvent(
        this.#parseContext,
        decoded.version,
        decoded.header,
        decoded.event,
        new Date(),
      );
    } catch (error) {
      // Pushed again it would fail again: acknowledged, and said so.
      this.#logger.warn(
        { err: error },
        'Feishu long-connection envelope is malformed; acknowledged and dropped',
      );
      return;
    }
    // Invariant: resolves only once every event is committed; a failure rejects, so the SDK
    // answers 500 and Feishu pushes the envelope again (the inbox drops what was recorded).
    for (const event of events) await ctx.emit(event);
  }

  async disconnect(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close();
  }

  send(msg: OutboundMessage): Promise<SendResult> {
    return sendFeishuMessage(this.#api, msg, this.#fetch);
  }

  /** An inbound image or file through the message-resource API, refused above `maxBytes`. */
  downloadMedia(ref: MediaRef, options: { maxBytes: number }): Promise<DownloadedMedia> {
    return downloadFeishuMedia(this.#api, ref, options.maxBytes);
  }

  update(platformMessageId: string, msg: OutboundMessage): Promise<SendResult> {
    return updateFeishuMessage(this.#api, platformMessageId, msg);
  }

  /** The configured tenant key, else the detected one; undefined until one is known. */
  homeTenant(): string | undefined {
    return this.#config.tenant_key ?? this.#detectedTenant;
  }

  homeApp(): string {
    return this.#config.app_id;
  }

  senderIdentities(source: Source): IdentityKey[] {
    return feishuSenderIdentities(source);
  }

  commandText(message: InboundMessage): string {
    return feishuCommandText(message);
  }

  fetchProfile(sender: Sender): Promise<DirectoryProfile> {
    return fetchFeishuProfile(this.#api, sender);
  }
}

export interface FeishuChannelFactory extends ChannelFactory<FeishuChannelConfig> {
  readonly configSchema: typeof feishuConfigSchema;
  create(config: FeishuChannelConfig, deps: ChannelDeps): FeishuChannel;
}

export function createFeishuChannelFactory(options: FeishuChannelOptions = {}): FeishuChannelFactory {
  return {
    type: 'feishu',
    displayName: 'Feishu / Lark',
    capabilities: capabilities(
      Capability.Text,
      Capability.Media,
      Capability.Threads,
      Capability.Cards,
      Capability.Edit,
      Capability.Webhook,
      Capability.LongConnection,
      Capability.AutoProvision,
    ),
    configSchema: feishuConfigSchema,
    create: (config, deps) => new FeishuChannel(config, deps, options),
    prepareConfig: prepareFeishuConfig,
    appRoute: feishuAppRoute,
    heartbeatMs: FEISHU_HEARTBEAT_MS,
    // `websocket` is the schema's default, so a config without a mode holds a connection.
    holdsLongConnection: (config) => config.mode === undefined || config.mode === 'websocket',
    setupSteps: feishuSetupSteps,
  };
}
