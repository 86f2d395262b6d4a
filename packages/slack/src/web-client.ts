import { inspect } from 'node:util';
import { LogLevel, type Logger as SlackLogger, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '@switchboard/core';
import { SLACK_API_BASE_URL } from './config.js';

/** A hung Slack API call must not hold a delivery worker forever. */
export const DEFAULT_SLACK_REQUEST_TIMEOUT_MS = 10_000;

export interface SlackWebClientOptions {
  token: string;
  apiBaseUrl?: string;
  logger: Logger;
  /** Every Web API request goes through this (ChannelDeps.fetch); defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

/**
 * A `WebClient` that never retries on its own (the hub owns retries: 429s are rejected with their
 * Retry-After, nothing is re-sent) and whose HTTP goes through `fetch` instead of axios' own transport,
 * so tests and egress proxies see every call.
 */
export function createSlackWebClient(options: SlackWebClientOptions): WebClient {
  return new WebClient(options.token, {
    ...slackWebClientOptions(options),
    logger: toSlackLogger(options.logger),
  });
}

/**
 * The transport settings above without token or logger, for clients built elsewhere (the Socket
 * Mode client makes its own WebClient for `apps.connections.open`).
 */
export function slackWebClientOptions(
  options: Omit<SlackWebClientOptions, 'token' | 'logger'>,
): Omit<WebClientOptions, 'logger' | 'logLevel'> {
  return {
    slackApiUrl: options.apiBaseUrl ?? SLACK_API_BASE_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? DEFAULT_SLACK_REQUEST_TIMEOUT_MS,
    adapter: fetchAdapter(options.fetch ?? globalThis.fetch),
  };
}

type AxiosAdapter = NonNullable<WebClientOptions['adapter']>;
type AdapterConfig = Parameters<AxiosAdapter>[0];
type AdapterResponse = Awaited<ReturnType<AxiosAdapter>>;

/**
 * An axios adapter over `fetch`. WebClient has already url-encoded the body and set the headers;
 * axios parses the JSON answer afterwards. A network failure or timeout is thrown with a `request`
 * property, which WebClient turns into its `RequestError`.
 */
export function fetchAdapter(fetchImpl: typeof globalThis.fetch): AxiosAdapter {
  return async (config: AdapterConfig): Promise<AdapterResponse> => {
    const url = resolveUrl(config.url ?? '', config.baseURL);
    if (config.data !== undefined && config.data !== null && typeof config.data !== 'string') {
      // Only file uploads produce streamed multipart bodies; this adapter never sends those.
      throw requestError(url, new Error('the fetch adapter only sends string bodies'));
    }
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: (config.method ?? 'post').toUpperCase(),
        headers: toFetchHeaders(config.headers),
        body: config.data ?? undefined,
        signal: config.timeout ? AbortSignal.timeout(config.timeout) : undefined,
        redirect: 'manual',
      });
    } catch (cause) {
      throw requestError(url, cause);
    }
    let data: string;
    try {
      data = await response.text();
    } catch (cause) {
      throw requestError(url, cause);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { data, status: response.status, statusText: response.statusText, headers, config, request: {} };
  };
}

function resolveUrl(url: string, baseURL: string | undefined): string {
  if (/^https?:\/\//i.test(url) || !baseURL) return url;
  return `${baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

function toFetchHeaders(headers: AdapterConfig['headers']): Headers {
  const result = new Headers();
  const plain: Record<string, unknown> =
    typeof headers?.toJSON === 'function' ? headers.toJSON() : { ...(headers ?? {}) };
  for (const [name, value] of Object.entries(plain)) {
    if (value === undefined || value === null || value === false) continue;
    result.set(name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return result;
}

function requestError(url: string, cause: unknown): Error {
  const reason =
    cause instanceof Error && cause.name === 'TimeoutError'
      ? 'timed out'
      : cause instanceof Error
        ? cause.message
        : String(cause);
  return Object.assign(new Error(`request to ${url} failed: ${reason}`, { cause }), { request: {} });
}

/** Slack's logger interface over the hub's pino-style logger. */
export function toSlackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'slack-web-api' });
  let level: LogLevel = LogLevel.INFO;
  const format = (parts: unknown[]): string =>
    parts.map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 3 }))).join(' ');
  return {
    debug: (...parts: unknown[]) => child.debug(format(parts)),
    info: (...parts: unknown[]) => child.info(format(parts)),
    warn: (...parts: unknown[]) => child.warn(format(parts)),
    error: (...parts: unknown[]) => child.error(format(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
