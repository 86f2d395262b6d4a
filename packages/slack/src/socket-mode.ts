import { SocketModeClient } from '@slack/socket-mode';
import { type EgressLookup, type InboundEvent, type Logger, PlatformError } from '@switchboard/core';
import { toPlatformError } from './errors.js';
import type { SlackParseContext } from './parse.js';
import { handleSocketEnvelope, toSocketEnvelope } from './socket-envelope.js';
import { slackWebClientOptions, toSlackLogger } from './web-client.js';

/** How long `open()` waits for Slack's `hello` after asking for a connection. */
export const DEFAULT_SLACK_CONNECT_TIMEOUT_MS = 15_000;

/** `disconnect` reasons after which reconnecting cannot help: Socket Mode was turned off for the app. */
const PERMANENT_DISCONNECT_REASONS: ReadonlySet<string> = new Set(['link_disabled']);

export interface SlackSocketConnectionOptions {
  /** App-level token (`xapp-…`, scope `connections:write`). */
  appToken: string;
  apiBaseUrl?: string;
  requestTimeoutMs?: number;
  /** The hub's egress lookup, for `apps.connections.open`. */
  lookup?: EgressLookup;
  connectTimeoutMs?: number;
  parseContext: SlackParseContext;
  logger: Logger;
  /** Resolves once the event is durably recorded (ChannelContext.emit). */
  emit(event: InboundEvent): Promise<void>;
  /** Called once if the socket ends after `open()` succeeded and before `close()` was asked for. */
  onLost(error: PlatformError): void;
}

type State = 'created' | 'connecting' | 'connected' | 'closed';

/**
 * One Socket Mode session: `apps.connections.open` with the app token, a WebSocket, `hello`, then
 * `events_api` envelopes. The SDK's auto-reconnect is off because the hub's supervisor owns
 * reconnects (backoff, leases): a session that ends is reported once through `onLost` and stays
 * closed; the next `connect()` makes a new one.
 */
export class SlackSocketConnection {
  readonly #options: SlackSocketConnectionOptions;
  readonly #client: SocketModeClient;
  readonly #logger: Logger;
  #state: State = 'created';
  #authenticated = false;
  #lastError: Error | undefined;
  #disconnectReason: string | undefined;

  constructor(options: SlackSocketConnectionOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'slack-socket-mode' });
    this.#client = new SocketModeClient({
      appToken: options.appToken,
      autoReconnectEnabled: false,
      logger: toSlackLogger(this.#logger),
      clientOptions: slackWebClientOptions({
        apiBaseUrl: options.apiBaseUrl,
        timeoutMs: options.requestTimeoutMs,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      }),
    });
    this.#client.on('authenticated', () => {
      this.#authenticated = true;
    });
    this.#client.on('error', (error: unknown) => {
      this.#lastError = error instanceof Error ? error : new Error(String(error));
    });
    // The SDK acts on `disconnect` itself and does not pass the reason on; read it off the raw message.
    this.#client.on('ws_message', (data: unknown) => {
      this.#disconnectReason = disconnectReasonOf(data) ?? this.#disconnectReason;
    });
    this.#client.on('slack_event', (value: unknown) => {
      const envelope = toSocketEnvelope(value);
      if (!envelope) return;
      void handleSocketEnvelope(envelope, {
        parseContext: options.parseContext,
        emit: options.emit,
        logger: this.#logger,
      });
    });
    this.#client.on('disconnected', () => this.#onDisconnected());
  }

  /** Resolves once Slack said `hello`; rejects with a `PlatformError` when it cannot get there. */
  async open(): Promise<void> {
    if (this.#state !== 'created') throw new Error('a Slack Socket Mode connection opens once');
    this.#state = 'connecting';
    const timeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_SLACK_CONNECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new PlatformError('transient', `Slack Socket Mode sent no hello within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.#client.start(), timedOut]);
    } catch (error) {
      const failure = this.#connectError(error);
      await this.close();
      throw failure;
    } finally {
      clearTimeout(timer);
    }
    // close() ran while the handshake finished: do not come back as connected.
    if (this.#isClosed()) throw new PlatformError('transient', 'Slack Socket Mode closed while connecting');
    this.#state = 'connected';
    this.#logger.info('Slack Socket Mode connected');
  }

  /** Idempotent; ends the socket without reporting it as lost. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#client.disconnect();
  }

  // A method, so the check is not narrowed away across the awaits in open().
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #onDisconnected(): void {
    if (this.#state !== 'connected') return;
    this.#state = 'closed';
    const reason = this.#disconnectReason;
    const kind = reason !== undefined && PERMANENT_DISCONNECT_REASONS.has(reason) ? 'permanent' : 'transient';
    const detail = reason ? `Slack asked to disconnect (${reason})` : this.#lastError?.message;
    const error = new PlatformError(kind, `Slack Socket Mode connection lost${detail ? `: ${detail}` : ''}`, {
      platformCode: reason ?? 'connection_closed',
      cause: this.#lastError,
    });
    this.#logger.warn({ err: error }, 'Slack Socket Mode connection lost');
    this.#options.onLost(error);
  }

  #connectError(error: unknown): PlatformError {
    if (error instanceof PlatformError) return error;
    if (this.#isClosed()) return new PlatformError('transient', 'Slack Socket Mode closed while connecting');
    // Until `authenticated` fired, the failure came from apps.connections.open (a Web API call).
    if (!this.#authenticated) return toPlatformError('apps.connections.open', error);
    const cause = error instanceof Error ? error : this.#lastError;
    return new PlatformError(
      'transient',
      `Slack Socket Mode socket closed before hello${cause ? `: ${cause.message}` : ''}`,
      { cause },
    );
  }
}

function disconnectReasonOf(data: unknown): string | undefined {
  const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : undefined;
  if (!text?.includes('"disconnect"')) return undefined;
  try {
    const message: unknown = JSON.parse(text);
    if (typeof message !== 'object' || message === null) return undefined;
    const { type, reason } = message as Record<string, unknown>;
    return type === 'disconnect' && typeof reason === 'string' ? reason : undefined;
  } catch {
    return undefined;
  }
}
