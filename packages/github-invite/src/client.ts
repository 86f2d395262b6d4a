import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from '@switchboard/core';
import Bottleneck from 'bottleneck';

/** How patiently one call waits inside the process before its failure goes back to the hub. */
export interface GithubClientTuning {
  /** Retries of a 5xx (plugin-retry); default 2. */
  retries?: number;
  /** Milliseconds per "second" of a retry delay: 1000 in production, small in tests. */
  retryBaseMs?: number;
  /** A rate limit whose reset is at most this far away is waited out in process; default 60 s. */
  maxInlineWaitSeconds?: number;
  /**
   * GitHub asks for a pause between mutating calls (1000 ms), longer (3000 ms) for those that
   * notify people (an invitation sends an email) and for search (2000 ms); tests set 0.
   */
  writeIntervalMs?: number;
}

const USER_AGENT = 'switchboard-github-invite';

/**
 * An Octokit for one installation with GitHub's recommended throttling and retries: writes are
 * serialized and spaced, a rate limit that resets soon is waited out once, a longer one (and any
 * second hit) fails the call so the hub records `rate_limited` with the wait and tries later.
 */
export function createGithubClient(options: {
  token: string;
  baseUrl: string;
  installationId: string;
  logger: Logger;
  fetch?: typeof globalThis.fetch;
  tuning?: GithubClientTuning;
}): Octokit {
  const tuning = options.tuning ?? {};
  const maxWait = tuning.maxInlineWaitSeconds ?? 60;
  const base = tuning.retryBaseMs ?? 1000;
  const ThrottledOctokit = Octokit.plugin(retry, throttling);
  const log = options.logger;
  const waitOnce =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const wait = retryCount === 0 && retryAfter <= maxWait;
      log.warn({ retryAfter, method: request.method, url: request.url, retrying: wait }, `GitHub ${kind}`);
      return wait;
    };
  return new ThrottledOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: USER_AGENT,
    request: { ...(options.fetch ? { fetch: options.fetch } : {}) },
    // Octokit logs failed requests at error level with their URL; the hub logs our own summary.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    retry: {
      retries: tuning.retries ?? 2,
      retryAfterBaseValue: base,
      // Rate limits (403/429) belong to the throttling plugin; the rest are answers, not faults.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      id: `github-invite-${options.installationId}`,
      retryAfterBaseValue: base,
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: tuning.writeIntervalMs ?? 1000 }),
      notifications: new Bottleneck.Group({
        maxConcurrent: 1,
        minTime: (tuning.writeIntervalMs ?? 1000) * 3,
      }),
      search: new Bottleneck.Group({ maxConcurrent: 1, minTime: (tuning.writeIntervalMs ?? 1000) * 2 }),
      onRateLimit: waitOnce('rate limit'),
      onSecondaryRateLimit: waitOnce('secondary rate limit'),
    },
  });
}
