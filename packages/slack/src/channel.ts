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
  type Logger,
  type OutboundMessage,
  PlatformError,
  type Sender,
  type SendResult,
  type WebhookHandler,
} from '@switchboard/core';
import { type SlackChannelConfig, slackConfigSchema } from './config.js';
import { parseSlackRequest } from './parse.js';
import { fetchSlackProfile } from './profile.js';
import { postSlackMessage, updateSlackMessage } from './send.js';
import { verifySlackRequest } from './verify.js';
import { createSlackWebClient } from './web-client.js';

export interface SlackChannelOptions {
  /** Per Web API call; defaults to `DEFAULT_SLACK_REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
}

/**
 * One Slack app installation. Events arrive through the hub's webhook (Events API); the hub owns the
 * HTTP server, retries and durable records, so no Bolt receiver is ever started.
 */
export class SlackChannel implements Channel {
  readonly type = 'slack';
  readonly webhook: WebhookHandler;
  readonly #config: SlackChannelConfig;
  readonly #client: WebClient;
  readonly #logger: Logger;

  constructor(config: SlackChannelConfig, deps: ChannelDeps, options: SlackChannelOptions = {}) {
    this.#config = config;
    this.#logger = deps.logger.child({ channelType: 'slack', installationId: deps.installationId });
    const parseContext = {
      installationId: deps.installationId,
      appId: config.app_id,
      botUserId: config.bot_user_id,
    };
    this.webhook = {
      verify: (req) => verifySlackRequest(config.signing_secret, req),
      parse: (req) => parseSlackRequest(req, parseContext),
    };
    this.#client = createSlackWebClient({
      token: config.bot_token,
      apiBaseUrl: config.api_base_url,
      logger: this.#logger,
      fetch: deps.fetch,
      timeoutMs: options.requestTimeoutMs,
    });
  }

  capabilities(): Capabilities {
    return capabilities(
      Capability.Text,
      Capability.Media,
      Capability.Threads,
      Capability.Edit,
      Capability.Webhook,
      Capability.AutoProvision,
    );
  }

  async connect(_ctx: ChannelContext): Promise<void> {
    if (this.#config.mode === 'socket') {
      // Socket Mode needs a WebSocket client, which this package cannot depend on yet (see README).
      throw new PlatformError(
        'permanent',
        'Slack Socket Mode is not implemented; set mode to "events" and point the app at the hub webhook',
        { platformCode: 'socket_mode_unsupported' },
      );
    }
    this.#logger.debug('Slack channel ready (Events API over the hub webhook)');
  }

  async disconnect(): Promise<void> {}

  send(msg: OutboundMessage): Promise<SendResult> {
    return postSlackMessage(this.#client, msg);
  }

  update(platformMessageId: string, msg: OutboundMessage): Promise<SendResult> {
    return updateSlackMessage(this.#client, platformMessageId, msg);
  }

  fetchProfile(sender: Sender): Promise<DirectoryProfile> {
    return fetchSlackProfile(this.#client, sender.id, this.#config.team_id);
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
    configSchema: slackConfigSchema,
    create: (config, deps) => new SlackChannel(config, deps, options),
  };
}
