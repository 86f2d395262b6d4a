import { PlatformError } from '@switchboard/core';
import { z } from 'zod';
import { GRAPH_API_BASE_URL } from './config.js';

/** Graph API error codes the adapter branches on (never on titles, which Meta rewords). */
export const GraphErrorCode = {
  /** Outside the 24-hour customer-service window: only a template may be sent. */
  ReEngagement: 131047,
  Undeliverable: 131026,
  Throughput: 130429,
  PairRate: 131056,
  TokenExpired: 190,
  Spam: 131048,
  Marketing: 131049,
} as const;

/** The platform code of a send refused for the 24-hour window, for the agent to branch on. */
export const TEMPLATE_REQUIRED = 'template_required';

/** How long to wait after a rate limit when Meta names no time: pair rate is ~1 message / 6 s. */
const RATE_LIMIT_WAIT_MS = { [GraphErrorCode.Throughput]: 2_000, [GraphErrorCode.PairRate]: 6_000 } as const;

const MAX_ANSWER_BYTES = 1024 * 1024;

const errorBodySchema = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int().optional(),
    error_subcode: z.number().int().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

export interface GraphClientOptions {
  baseUrl?: string;
  version: string;
  accessToken: string;
  fetch: typeof globalThis.fetch;
}

/** A thin Graph API client over the hub's `fetch`: bearer auth, capped answers, typed errors. */
export class GraphClient {
  readonly #base: string;
  readonly #version: string;
  readonly #token: string;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: GraphClientOptions) {
    this.#base = (options.baseUrl ?? GRAPH_API_BASE_URL).replace(/\/?$/, '/');
    this.#version = options.version;
    this.#token = options.accessToken;
    this.#fetch = options.fetch;
  }

  /** `/{version}/{path}` under the base URL. */
  url(path: string): string {
    return new URL(`${this.#version}/${path.replace(/^\//, '')}`, this.#base).toString();
  }

  async json(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return this.request(this.url(path), {
      method,
      ...(body instanceof FormData
        ? await multipart(body)
        : body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
    }).then(async (res) => JSON.parse(new TextDecoder().decode(await readCapped(res, MAX_ANSWER_BYTES))));
  }

  /** Any URL Meta handed out (a media URL), with the same bearer token and the error mapping. */
  async request(url: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(url, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string> | undefined),
          authorization: `Bearer ${this.#token}`,
        },
      });
    } catch (cause) {
      throw new PlatformError('transient', 'the Graph API is unreachable', { cause });
    }
    if (!res.ok) throw await graphError(res);
    return res;
  }
}

/**
 * A form as `multipart/form-data` bytes and their content type. Encoded here, not by the `fetch`
 * given: a `fetch` from another undici than the global one (the hub's egress-checked one) does
 * not recognise this runtime's `FormData` and would send it as text.
 */
async function multipart(form: FormData): Promise<{ body: Uint8Array; headers: Record<string, string> }> {
  const encoded = new Response(form);
  return {
    body: new Uint8Array(await encoded.arrayBuffer()),
    headers: { 'content-type': encoded.headers.get('content-type') ?? 'multipart/form-data' },
  };
}

/**
 * Reads at most `max` bytes of a body; a longer one is refused, never buffered whole.
 * `tooLarge` makes the refusal (default: a permanent `PlatformError`).
 */
export async function readCapped(
  res: Response,
  max: number,
  tooLarge: (declared?: number) => Error = (declared) =>
    new PlatformError(
      'permanent',
      declared === undefined
        ? `answer exceeds the ${max}-byte cap`
        : `answer of ${declared} bytes exceeds the ${max}-byte cap`,
    ),
): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw tooLarge(declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (res.body ?? []) as AsyncIterable<Uint8Array>;
  for await (const chunk of reader) {
    total += chunk.byteLength;
    // Leaving the loop cancels the body: nothing more is read.
    if (total > max) throw tooLarge();
    chunks.push(chunk);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A Graph error answer as a `PlatformError` whose kind says whether and when to retry. */
export async function graphError(res: Response): Promise<PlatformError> {
  let text = '';
  try {
    text = new TextDecoder().decode(await readCapped(res, 64 * 1024));
  } catch {
    // An oversized or broken error body still gets a typed error from its status.
  }
  let parsed: z.infer<typeof errorBodySchema>['error'] | undefined;
  try {
    parsed = errorBodySchema.parse(JSON.parse(text)).error;
  } catch {
    parsed = undefined;
  }
  return graphErrorOf(res.status, parsed, res.headers.get('retry-after'));
}

export function graphErrorOf(
  status: number,
  error: z.infer<typeof errorBodySchema>['error'] | undefined,
  retryAfter: string | null = null,
): PlatformError {
  const code = error?.code;
  const detail = error?.error_data?.details ?? error?.message ?? `HTTP ${status}`;
  const base = { status, ...(code !== undefined ? { platformCode: String(code) } : {}) };
  if (code === GraphErrorCode.ReEngagement) {
    return new PlatformError(
      'permanent',
      `outside the 24-hour customer-service window: send a template message instead (${detail})`,
      { status, platformCode: TEMPLATE_REQUIRED },
    );
  }
  if (code === GraphErrorCode.TokenExpired || status === 401) {
    return new PlatformError(
      'unauthorized',
      `the access token expired or was revoked (Graph error 190): generate a new system-user token and PATCH the installation's access_token (${detail})`,
      base,
    );
  }
  if (code === GraphErrorCode.Throughput || code === GraphErrorCode.PairRate || status === 429) {
    const seconds = Number(retryAfter);
    const retryAfterMs =
      Number.isFinite(seconds) && seconds > 0
        ? seconds * 1000
        : (RATE_LIMIT_WAIT_MS[code as keyof typeof RATE_LIMIT_WAIT_MS] ?? 2_000);
    return new PlatformError('rate_limited', `rate limited by WhatsApp (${detail})`, {
      ...base,
      retryAfterMs,
    });
  }
  if (status === 404) return new PlatformError('not_found', `not found (${detail})`, base);
  if (status >= 500) return new PlatformError('transient', `the Graph API failed (${detail})`, base);
  return new PlatformError('permanent', detail, base);
}
