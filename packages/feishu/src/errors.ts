import { PlatformError, type PlatformErrorKind } from '@switchboard/core';

/** Feishu's "request trigger frequency limit". */
export const FEISHU_RATE_LIMIT_CODE = 99991400;
/** The message's chat or the bot's access to it is gone (230020, 230017): no retry helps. */
export const FEISHU_TARGET_GONE_CODES: ReadonlySet<number> = new Set([230020, 230017]);
/** Token problems: invalid, expired, or the app secret no longer matches. */
const UNAUTHORIZED_CODES: ReadonlySet<number> = new Set([
  99991661, 99991663, 99991664, 99991668, 10003, 10014,
]);
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([230001, 230011, 41050, 40003]);

export function platformErrorKindForCode(code: number): PlatformErrorKind {
  if (code === FEISHU_RATE_LIMIT_CODE) return 'rate_limited';
  if (FEISHU_TARGET_GONE_CODES.has(code)) return 'permanent';
  if (UNAUTHORIZED_CODES.has(code)) return 'unauthorized';
  if (NOT_FOUND_CODES.has(code)) return 'not_found';
  // Feishu's internal errors (5xxxxxx / 1xxx server busy) are worth a retry.
  if (code >= 1_000 && code < 2_000) return 'transient';
  return 'permanent';
}

function kindForStatus(status: number): PlatformErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'transient';
  return 'permanent';
}

interface HttpFailure {
  response?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
  code?: string;
  message?: string;
}

/** `x-ogw-ratelimit-reset` is the seconds to wait; absent or odd means one second. */
function retryAfterMs(headers: Record<string, unknown> | undefined): number {
  const raw = headers?.['x-ogw-ratelimit-reset'];
  const seconds = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.max(seconds, 0) * 1000 || 1000 : 1000;
}

/** A Feishu body with `code != 0`, or an HTTP failure from the SDK's axios, as a `PlatformError`. */
export function toPlatformError(what: string, error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const failure = (error ?? {}) as HttpFailure;
  const response = failure.response;
  if (!response) {
    return new PlatformError(
      'transient',
      `Feishu ${what} failed: ${failure.code ?? failure.message ?? 'network error'}`,
      {
        cause: error,
      },
    );
  }
  const status = response.status ?? 0;
  const body = (response.data ?? {}) as { code?: unknown; msg?: unknown };
  const code = typeof body.code === 'number' ? body.code : undefined;
  let kind = code !== undefined && code !== 0 ? platformErrorKindForCode(code) : kindForStatus(status);
  if (status === 429) kind = 'rate_limited';
  return new PlatformError(
    kind,
    `Feishu ${what} failed: HTTP ${status}${code ? ` code ${code}` : ''} ${String(body.msg ?? '')}`.trim(),
    {
      status,
      ...(code !== undefined ? { platformCode: String(code) } : {}),
      ...(kind === 'rate_limited' ? { retryAfterMs: retryAfterMs(response.headers) } : {}),
    },
  );
}

/** A 200 answer whose `code` is not 0. */
export function codeError(what: string, body: { code?: unknown; msg?: unknown }): PlatformError {
  const code = typeof body.code === 'number' ? body.code : -1;
  const kind = platformErrorKindForCode(code);
  return new PlatformError(kind, `Feishu ${what} failed: code ${code} ${String(body.msg ?? '')}`.trim(), {
    status: 200,
    platformCode: String(code),
    ...(kind === 'rate_limited' ? { retryAfterMs: 1000 } : {}),
  });
}
