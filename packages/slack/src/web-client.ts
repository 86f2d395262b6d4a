import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { inspect } from 'node:util';
import { LogLevel, type Logger as SlackLogger, WebClient, type WebClientOptions } from '@slack/web-api';
import type { EgressLookup, Logger } from '@switchboard/core';
import { SLACK_API_BASE_URL } from './config.js';

/** A hung Slack API call must not hold a delivery worker forever. */
export const DEFAULT_SLACK_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The largest Slack answer read; a larger one fails the call instead of filling memory. Slack's
 * biggest answers here are `conversations.history` pages, far below this.
 */
export const SLACK_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface SlackWebClientOptions {
  token: string;
  /** Reaches a fake or a relay instead of https://slack.com/api/ (the SDK's `slackApiUrl`). */
  apiBaseUrl?: string;
  logger: Logger;
  timeoutMs?: number;
  /** The hub's egress lookup (`ChannelDeps.lookup`): every connection's address is checked. */
  lookup?: EgressLookup;
}

/**
 * A `WebClient` configured with the SDK's own options: `slackApiUrl` for the base URL, a request
 * `timeout`, and no retries of its own (`retries: 0`, 429s rejected with their Retry-After)
 * because the hub owns retries, so nothing is ever sent twice behind its back.
 */
export function createSlackWebClient(options: SlackWebClientOptions): WebClient {
  return new WebClient(options.token, {
    ...slackWebClientOptions(options),
    logger: toSlackLogger(options.logger),
  });
}

/**
 * The settings above without token or logger, for clients built elsewhere (the Socket Mode
 * client makes its own WebClient for `apps.connections.open`).
 */
export function slackWebClientOptions(
  options: Omit<SlackWebClientOptions, 'token' | 'logger'>,
): Omit<WebClientOptions, 'logger' | 'logLevel'> {
  return {
    slackApiUrl: options.apiBaseUrl ?? SLACK_API_BASE_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? DEFAULT_SLACK_REQUEST_TIMEOUT_MS,
    requestInterceptor: (config) => {
      config.maxContentLength = SLACK_MAX_RESPONSE_BYTES;
      return config;
    },
    ...(options.lookup
      ? { agent: checkedAgent(options.apiBaseUrl ?? SLACK_API_BASE_URL, options.lookup) }
      : {}),
  };
}

/** An HTTP agent of the base URL's scheme whose sockets resolve names through the egress lookup. */
function checkedAgent(baseUrl: string, lookup: EgressLookup): HttpAgent {
  const options = { keepAlive: true, lookup: lookup as unknown as LookupFunction };
  return new URL(baseUrl).protocol === 'http:' ? new HttpAgent(options) : new HttpsAgent(options);
}

/** Slack's logger interface over the hub's pino-style logger. */
export function toSlackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'slack-web-api' });
  let level: LogLevel = LogLevel.INFO;
  const format = (parts: unknown[]): string =>
    parts.map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 3 }))).join(' ');
  return {
    // The SDK's debug lines print request bodies (message texts, binding links): never forwarded.
    debug: () => {},
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
