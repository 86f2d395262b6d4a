import { type EventDispatcher, WSClient } from '@larksuiteoapi/node-sdk';
import { type EgressLookup, type Logger, PlatformError } from '@switchboard/core';
import { sdkLogger } from './api.js';
import { checkedAgent, feishuHttpInstance } from './transport.js';

export const DEFAULT_FEISHU_CONNECT_TIMEOUT_MS = 15_000;
/** How often the connection's state is looked at once it is open. */
const WATCH_INTERVAL_MS = 1_000;

export interface FeishuLongConnectionOptions {
  appId: string;
  appSecret: string;
  baseUrl: string;
  logger: Logger;
  /** The hub's egress lookup: the endpoint call and the WebSocket resolve names through it. */
  lookup?: EgressLookup | undefined;
  /**
   * Records one raw `{ schema, header, event }` envelope; resolves only after the durable commit.
   * Invariant: the SDK awaits this before it acks, so an event is acked only once committed; a
   * rejection makes the SDK answer 500 and Feishu pushes the event again.
   */
  record(envelope: unknown): Promise<void>;
  /** Called once when an open connection ends without `close()`; the supervisor restarts it. */
  onLost(error: Error): void;
  /**
   * Called on every pong, with the ping interval Feishu's ClientConfig in it announces. The
   * supervisor, not the SDK, decides when a connection without pongs is stale and restarts it.
   */
  onAlive?(heartbeat: { intervalMs?: number }): void;
  connectTimeoutMs?: number;
}

/** A pbbp2 frame as the SDK decodes it. */
interface ControlFrame {
  headers?: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
}

/** The SDK's control-frame handler: it reads pongs but tells nobody, so the hub listens beside it. */
interface ControlFrameHandler {
  handleControlData(frame: ControlFrame): Promise<void>;
}

function pongInterval(frame: ControlFrame): { intervalMs?: number } | undefined {
  if (frame.headers?.find((header) => header.key === 'type')?.value !== 'pong') return undefined;
  try {
    const config = JSON.parse(new TextDecoder().decode(frame.payload)) as { PingInterval?: unknown };
    const seconds = Number(config.PingInterval);
    return Number.isFinite(seconds) && seconds > 0 ? { intervalMs: seconds * 1000 } : {};
  } catch {
    // Still a pong: the connection is alive even when its ClientConfig cannot be read.
    return {};
  }
}

/**
 * Feishu's long connection through the SDK's `WSClient`, with the SDK's own reconnect loop off:
 * the hub's supervisor owns restarts, backoff and the restart budget, and holds the lease that
 * keeps one replica per app connected (Feishu splits an app's events across its connections).
 */
export class FeishuLongConnection {
  readonly #options: FeishuLongConnectionOptions;
  #client: WSClient | undefined;
  #watch: ReturnType<typeof setInterval> | undefined;
  #lost = false;

  constructor(options: FeishuLongConnectionOptions) {
    this.#options = options;
  }

  /** Resolves once the WebSocket is open; rejects with a `PlatformError` when it cannot be. */
  async open(): Promise<void> {
    const { appId, appSecret, baseUrl, logger } = this.#options;
    let settle: { resolve(): void; reject(error: Error): void } | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const client = new WSClient({
      appId,
      appSecret,
      domain: baseUrl,
      logger: sdkLogger(logger),
      httpInstance: feishuHttpInstance(baseUrl, this.#options.lookup) as unknown as ConstructorParameters<
        typeof WSClient
      >[0]['httpInstance'],
      ...(this.#options.lookup ? { agent: checkedAgent(baseUrl, this.#options.lookup) } : {}),
      autoReconnect: false,
      handshakeTimeoutMs: this.#options.connectTimeoutMs ?? DEFAULT_FEISHU_CONNECT_TIMEOUT_MS,
      // No `wsConfig.pingTimeout`: the SDK's own pong watchdog stays off, staleness is the hub's.
      onReady: () => settle?.resolve(),
      onError: (error) => {
        settle?.reject(
          new PlatformError('transient', `Feishu long connection failed: ${error.message}`, { cause: error }),
        );
        this.#reportLost(error);
      },
    });
    this.#client = client;
    this.#listenForPongs(client);
    // Any object with `invoke` will do; the SDK hands it the merged envelope and awaits it.
    const dispatcher = {
      invoke: (envelope: unknown) => this.#options.record(envelope).then(() => undefined),
    };
    const timeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_FEISHU_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(
      () =>
        settle?.reject(
          new PlatformError('transient', `Feishu long connection not open after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    try {
      await client.start({ eventDispatcher: dispatcher as unknown as EventDispatcher });
      await ready;
    } catch (error) {
      this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.#watch = setInterval(() => {
      const state = client.getConnectionStatus().state;
      if (state !== 'connected') this.#reportLost(new Error(`Feishu long connection ${state}`));
    }, WATCH_INTERVAL_MS);
    this.#watch.unref?.();
  }

  // The SDK has no pong callback; wrapping its handler on this one instance is the narrowest hook
  // (its private method name is pinned by the SDK version in the lockfile and by this package's
  // tests, which fail if pongs stop being reported).
  #listenForPongs(client: WSClient): void {
    const onAlive = this.#options.onAlive;
    if (!onAlive) return;
    const sdk = client as unknown as ControlFrameHandler;
    if (typeof sdk.handleControlData !== 'function') {
      this.#options.logger.warn(
        'this Feishu SDK version hides its pongs: the connection is judged by events only',
      );
      return;
    }
    const original = sdk.handleControlData.bind(client);
    sdk.handleControlData = async (frame) => {
      await original(frame);
      const heartbeat = pongInterval(frame);
      if (heartbeat && this.#client === client) onAlive(heartbeat);
    };
  }

  #reportLost(error: Error): void {
    if (this.#lost || !this.#watch) return;
    this.#lost = true;
    this.close();
    this.#options.onLost(error);
  }

  /** Idempotent; never reports a lost connection. */
  close(): void {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = undefined;
    this.#client?.close({ force: true });
    this.#client = undefined;
  }
}
