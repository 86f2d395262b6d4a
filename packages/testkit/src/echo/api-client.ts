import { PlatformError, type PlatformErrorKind } from '@switchboard/core';

export interface EchoApiClientOptions {
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  /** A hung platform must not hold a delivery worker forever. */
  timeoutMs?: number;
}

/** Maps an HTTP failure status onto the retry classes the hub understands. */
export function platformErrorKindForStatus(status: number): PlatformErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/** The echo "platform" API: `POST /messages` and `PATCH /messages/:id`, JSON both ways. */
export class EchoApiClient {
  readonly #baseUrl: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;

  constructor(options: EchoApiClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Resolves to the response body (undefined when empty); throws `PlatformError` on any failure. */
  async request(method: 'POST' | 'PATCH', path: string, body: Record<string, unknown>): Promise<unknown> {
    const label = `echo API ${method} ${path}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new PlatformError('transient', `${label} failed: ${describe(cause)}`, { cause });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw new PlatformError(
        platformErrorKindForStatus(response.status),
        `${label} answered ${response.status}`,
        {
          status: response.status,
          retryAfterMs:
            response.status === 429 ? parseRetryAfter(response.headers.get('retry-after')) : undefined,
          platformCode: errorCodeOf(text),
        },
      );
    }
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new PlatformError('permanent', `${label} answered ${response.status} with a non-JSON body`, {
        status: response.status,
        cause,
      });
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCodeOf(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'error' in parsed &&
      typeof parsed.error === 'string'
    ) {
      return parsed.error;
    }
  } catch {
    // Error bodies are free-form; a missing code is fine.
  }
  return undefined;
}
