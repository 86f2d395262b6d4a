import { AppType, Client } from '@larksuiteoapi/node-sdk';
import type { EgressLookup, Logger } from '@switchboard/core';
import { codeError, toPlatformError } from './errors.js';
import { feishuHttpInstance } from './transport.js';

/** The SDK's `Cache` shape; one per `Client`, so two installations never share a token. */
class TokenCache {
  readonly #entries = new Map<string, { value: unknown; expiresAt: number }>();

  async set(
    key: string | { toString(): string },
    value: unknown,
    expire?: number,
    options?: { namespace?: string },
  ): Promise<boolean> {
    // `expire` is an absolute epoch in milliseconds in the SDK's own cache.
    this.#entries.set(this.#key(key, options), { value, expiresAt: expire ?? Number.POSITIVE_INFINITY });
    return true;
  }

  async get(key: string | { toString(): string }, options?: { namespace?: string }): Promise<unknown> {
    const entry = this.#entries.get(this.#key(key, options));
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(this.#key(key, options));
      return undefined;
    }
    return entry.value;
  }

  clear(): void {
    this.#entries.clear();
  }

  #key(key: string | { toString(): string }, options?: { namespace?: string }): string {
    return `${options?.namespace ?? ''}\u0000${String(key)}`;
  }
}

/**
 * The SDK logs whole axios errors, request headers (the bearer token) included, and event
 * payloads: only its plain-text arguments are kept, cut short, at debug level, and lines that
 * carry a payload are dropped.
 */
export function sdkLogger(logger: Logger) {
  const line = (...args: unknown[]) => {
    const text = args.filter((arg): arg is string => typeof arg === 'string').join(' ');
    if (text === '' || /receive message|data:/.test(text)) return;
    logger.debug({ component: 'feishu-sdk' }, text.slice(0, 300));
  };
  return { error: line, warn: line, info: line, debug: line, trace: () => {} };
}

export interface FeishuApiOptions {
  appId: string;
  appSecret: string;
  baseUrl: string;
  logger: Logger;
  /** The hub's egress lookup (`ChannelDeps.lookup`): every connection's address is checked. */
  lookup?: EgressLookup | undefined;
}

export interface FeishuBody {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The Open API through the SDK's `Client` (token exchange and refresh), one per installation. */
export class FeishuApi {
  readonly client: Client;
  readonly #cache = new TokenCache();

  constructor(options: FeishuApiOptions) {
    this.client = new Client({
      appId: options.appId,
      appSecret: options.appSecret,
      appType: AppType.SelfBuild,
      domain: options.baseUrl,
      cache: this.#cache,
      logger: sdkLogger(options.logger),
      httpInstance: feishuHttpInstance(options.baseUrl, options.lookup) as unknown as ConstructorParameters<
        typeof Client
      >[0]['httpInstance'],
    });
  }

  /** A failed raw `client.request` as a `PlatformError` (for calls that are not JSON answers). */
  mapError(what: string, error: unknown) {
    const mapped = toPlatformError(what, error);
    if (mapped.kind === 'unauthorized') this.#cache.clear();
    return mapped;
  }

  /** One call; resolves with the body when `code` is 0, else throws a `PlatformError`. */
  async call(
    what: string,
    request: {
      method: 'GET' | 'POST' | 'PUT' | 'PATCH';
      url: string;
      params?: Record<string, string>;
      data?: unknown;
      headers?: Record<string, string>;
    },
  ): Promise<FeishuBody> {
    let body: FeishuBody;
    try {
      body = (await this.client.request({ ...request, timeout: 10_000 })) as FeishuBody;
    } catch (error) {
      const mapped = toPlatformError(what, error);
      // The SDK never drops a token the server refused: forget it so the next call fetches one.
      if (mapped.kind === 'unauthorized') this.#cache.clear();
      throw mapped;
    }
    if (typeof body !== 'object' || body === null)
      throw toPlatformError(what, { response: { status: 200, data: {} } });
    if (body.code !== 0) {
      const error = codeError(what, body);
      if (error.kind === 'unauthorized') this.#cache.clear();
      throw error;
    }
    return body;
  }
}
