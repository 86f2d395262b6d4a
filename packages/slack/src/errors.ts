import { ErrorCode } from '@slack/web-api';
import { PlatformError, type PlatformErrorKind } from '@switchboard/core';

/** `ok: false` codes meaning the token is bad or gone; someone has to fix the installation. */
const UNAUTHORIZED_CODES: ReadonlySet<string> = new Set([
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'org_login_required',
  'not_allowed_token_type',
]);

/** `ok: false` codes for trouble on Slack's side, worth retrying. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/**
 * Only codes naming a specific missing object. `channel_not_found` stays `permanent`: Slack also
 * answers it when the bot is simply not a member of a private channel.
 */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['message_not_found', 'user_not_found']);

export function platformErrorKindForCode(code: string): PlatformErrorKind {
  if (code === 'ratelimited' || code === 'rate_limited') return 'rate_limited';
  if (UNAUTHORIZED_CODES.has(code)) return 'unauthorized';
  if (TRANSIENT_CODES.has(code)) return 'transient';
  if (NOT_FOUND_CODES.has(code)) return 'not_found';
  return 'permanent';
}

export function platformErrorKindForStatus(status: number): PlatformErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

interface WebClientErrorShape {
  code?: unknown;
  message?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  headers?: Record<string, unknown>;
  data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
}

/** Maps whatever `WebClient` threw onto the `PlatformError` kinds the hub retries by. */
export function toPlatformError(method: string, error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const shape: WebClientErrorShape = typeof error === 'object' && error !== null ? error : {};
  const label = `Slack ${method}`;
  switch (shape.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = toNumber(shape.retryAfter);
      return new PlatformError('rate_limited', `${label} was rate limited`, {
        status: 429,
        retryAfterMs: seconds === undefined ? undefined : seconds * 1000,
        cause: error,
      });
    }
    case ErrorCode.HTTPError: {
      const status = toNumber(shape.statusCode) ?? 0;
      return new PlatformError(platformErrorKindForStatus(status), `${label} answered HTTP ${status}`, {
        status,
        cause: error,
      });
    }
    case ErrorCode.PlatformError: {
      const code = typeof shape.data?.error === 'string' ? shape.data.error : 'unknown_error';
      const kind = platformErrorKindForCode(code);
      const seconds = toNumber(shape.data?.response_metadata?.retryAfter);
      return new PlatformError(kind, `${label} failed: ${code}`, {
        status: 200,
        platformCode: code,
        retryAfterMs: kind === 'rate_limited' && seconds !== undefined ? seconds * 1000 : undefined,
        cause: error,
      });
    }
    case ErrorCode.RequestError: {
      // The SDK's HTTP client reports its own timeout as ECONNABORTED (ETIMEDOUT for the socket's).
      const code = (error as { original?: { code?: unknown } }).original?.code;
      const what = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timed out' : 'request failed';
      return new PlatformError('transient', `${label} ${what}: ${messageOf(error)}`, { cause: error });
    }
  }
  // A 429 whose Retry-After WebClient could not read arrives as a plain Error.
  if (/Retry header did not contain a valid timeout/.test(messageOf(error))) {
    return new PlatformError('rate_limited', `${label} was rate limited`, { status: 429, cause: error });
  }
  return new PlatformError('transient', `${label} failed: ${messageOf(error)}`, { cause: error });
}

function toNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
