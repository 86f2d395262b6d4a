import type { WebClient } from '@slack/web-api';
import {
  type Capabilities,
  Capability,
  type Channel,
  type ChannelContext,
  type ChannelDeps,
  type ChannelFactory,
  capabilities,
  type DirectoryProfile,
  type IdentityKey,
  type InboundMessage,
  type Logger,
  type OutboundMessage,
  type Sender,
  type SendResult,
  type Source,
  type WebhookHandler,
} from '@switchboard/core';
import { type SlackChannelConfig, slackConfigSchema } from './config.js';
import { SLACK_NAMESPACE, slackCommandText, slackSenderIdentities } from './identity.js';
import { parseSlackRequest, type SlackParseContext } from './parse.js';
import { prepareSlackConfig } from './prepare-config.js';
import { fetchSlackProfile } from './profile.js';
import { postSlackMessage, updateSlackMessage } from './send.js';
import { SLACK_HEARTBEAT_MS, slackSetupSteps } from './setup-steps.js';
import { SlackSocketConnection } from './socket-mode.js';
import { verifySlackRequest } from './verify.js';
import { createSlackWebClient, type SlackWebClientOptions } from './web-client.js';

export interface SlackChannelOptions {
  /** Per Web API call; defaults to `DEFAULT_SLACK_REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
  /** Socket Mode only: how long `connect()` waits for Slack's hello; defaults to 15 s. */
  connectTimeoutMs?: number;
}

/**
 * One Slack app installation. In `events` mode events arrive through the hub's webhook (Events
 * API): the hub owns the HTTP server, retries and durable records, so no Bolt receiver is ever
 * started. In `socket` mode `connect()` opens a Socket Mode WebSocket instead and pushes events
 * through `ctx.emit`; there is no webhook then.
 */
export class SlackChannel implements Channel {
  readonly type = 'slack';
  /** Present in `events` mode only (it declares `Webhook` exactly then). */
  readonly webhook?: WebhookHandler;
  readonly #config: SlackChannelConfig;
  readonly #options: SlackChannelOptions;
  readonly #clientOptions: SlackWebClientOptions;
  #client: WebClient | undefined;
  readonly #logger: Logger;
  readonly #parseContext: SlackParseContext;
  readonly #lookup: ChannelDeps['lookup'];
  #session: { socket: SlackSocketConnection; detach(): void } | undefined;

  constructor(config: SlackChannelConfig, deps: ChannelDeps, options: SlackChannelOptions = {}) {
    this.#config = config;
    this.#options = options;
    this.#logger = deps.logger.child({ channelType: 'slack', installationId: deps.installationId });
    const parseContext = {
      installationId: deps.installationId,
      appId: config.app_id,
      homeTenant: config.team_id,
      botUserId: config.bot_user_id,
    };
    this.#parseContext = parseContext;
    if (config.mode === 'events') {
      this.webhook = {
        verify: (req) => verifySlackRequest(config.signing_secret, req),
        parse: (req) => parseSlackRequest(req, parseContext),
      };
    }
    this.#clientOptions = {
      token: config.bot_token,
      apiBaseUrl: config.api_base_url,
      logger: this.#logger,
      timeoutMs: options.requestTimeoutMs,
      ...(deps.lookup ? { lookup: deps.lookup } : {}),
    };
    this.#lookup = deps.lookup;
  }

  /**
   * The Web API client, built on first use: a webhook installation that only receives events
   * (verify and parse) never pays for one (an axios instance and an HTTP agent per installation,
   * most of what a hub holding thousands of installations kept per installation).
   */
  #web(): WebClient {
    this.#client ??= createSlackWebClient(this.#clientOptions);
    return this.#client;
  }

  capabilities(): Capabilities {
    return capabilities(
      Capability.Text,
      Capability.Media,
      Capability.Threads,
      Capability.Edit,
      this.#config.mode === 'socket' ? Capability.LongConnection : Capability.Webhook,
      Capability.AutoProvision,
    );
  }

  /**
   * Events mode: nothing to open. Socket mode: resolves once Slack said `hello`, rejects with a
   * `PlatformError` when it cannot connect (e.g. `unauthorized` for a bad app token). A socket that
   * ends later without `disconnect()` is reported once through `ctx.reportConnectionLost`; the
   * supervisor reconnects by calling `connect()` again.
   */
  async connect(ctx: ChannelContext): Promise<void> {
    if (this.#config.mode !== 'socket') {
      this.#logger.debug('Slack channel ready (Events API over the hub webhook)');
      return;
    }
    ctx.signal.throwIfAborted();
    if (this.#session) {
      this.#logger.warn('connect() while a Slack socket is open; closing the old one first');
      await this.disconnect();
    }
    const socket = new SlackSocketConnection({
      // The schema requires app_token whenever mode is socket.
      appToken: this.#config.app_token ?? '',
      apiBaseUrl: this.#config.api_base_url,
      requestTimeoutMs: this.#options.requestTimeoutMs,
      ...(this.#lookup ? { lookup: this.#lookup } : {}),
      connectTimeoutMs: this.#options.connectTimeoutMs,
      parseContext: this.#parseContext,
      logger: this.#logger,
      emit: (event) => ctx.emit(event),
      onLost: (error) => {
        this.#endSession(socket);
        if (ctx.reportConnectionLost) ctx.reportConnectionLost(error);
        else this.#logger.error({ err: error }, 'Slack socket lost and no supervisor to report it to');
      },
    });
    const onAbort = () => {
      if (this.#session?.socket === socket) void this.disconnect();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    this.#session = { socket, detach: () => ctx.signal.removeEventListener('abort', onAbort) };
    try {
      await socket.open();
    } catch (error) {
      this.#endSession(socket);
      throw error;
    }
  }

  /** Closes the Socket Mode connection, if any; idempotent, and never reports a lost connection. */
  async disconnect(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#endSession(session.socket);
    await session.socket.close();
  }

  #endSession(socket: SlackSocketConnection): void {
    if (this.#session?.socket !== socket) return;
    this.#session.detach();
    this.#session = undefined;
  }

  send(msg: OutboundMessage): Promise<SendResult> {
    return postSlackMessage(this.#web(), msg);
  }

  update(platformMessageId: string, msg: OutboundMessage): Promise<SendResult> {
    return updateSlackMessage(this.#web(), platformMessageId, msg);
  }

  /** Canonical ids are `<org or team>:<user id>` (see fetchSlackProfile). */
  readonly identityNamespace = SLACK_NAMESPACE;

  senderIdentities(source: Source): IdentityKey[] {
    return slackSenderIdentities(source);
  }

  commandText(message: InboundMessage): string {
    return slackCommandText(message);
  }

  /** The workspace (or Enterprise Grid org) the app is installed in. */
  homeTenant(): string {
    return this.#config.team_id;
  }

  homeApp(): string {
    return this.#config.app_id;
  }

  fetchProfile(sender: Sender): Promise<DirectoryProfile> {
    return fetchSlackProfile(this.#web(), sender.id, this.#config.team_id);
  }
}

export interface SlackChannelFactory extends ChannelFactory<SlackChannelConfig> {
  readonly configSchema: typeof slackConfigSchema;
  create(config: SlackChannelConfig, deps: ChannelDeps): SlackChannel;
}

export function createSlackChannelFactory(options: SlackChannelOptions = {}): SlackChannelFactory {
  return {
    type: 'slack',
    displayName: 'Slack',
    // Webhook in events mode, LongConnection in socket mode.
    capabilities: capabilities(
      Capability.Text,
      Capability.Media,
      Capability.Threads,
      Capability.Edit,
      Capability.Webhook,
      Capability.LongConnection,
      Capability.AutoProvision,
    ),
    configSchema: slackConfigSchema,
    create: (config, deps) => new SlackChannel(config, deps, options),
    prepareConfig: prepareSlackConfig,
    heartbeatMs: SLACK_HEARTBEAT_MS,
    holdsLongConnection: (config) => config.mode === 'socket',
    setupSteps: slackSetupSteps,
  };
}
