import type { FastifyInstance, FastifyRequest } from 'fastify';

/** One field-level problem the API reported (a zod issue), path relative to the request body. */
export interface ApiIssue {
  path: Array<string | number>;
  message: string;
}

export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  details: unknown;
  /** The whole answer, for routes whose refusals are outcomes rather than errors (a 422 `{ outcome }`). */
  body: unknown;
}

export type ApiAnswer<T> = { ok: true; status: number; body: T } | ({ ok: false } & ApiFailure);

/**
 * The console is a client of the hub's own admin API, like the CLI: every read and write goes
 * through the same routes (roles, validation, audit), called in process with the session's
 * token as bearer credential. The browser's address is passed on, so per-address rate limits
 * count the person, not the console.
 */
export class ConsoleApi {
  constructor(
    private readonly app: FastifyInstance,
    private readonly request: FastifyRequest,
    private readonly token: string,
  ) {}

  get<T>(path: string): Promise<ApiAnswer<T>> {
    return this.call<T>('GET', path);
  }

  async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    const response = await this.app.inject({
      method,
      url: path,
      remoteAddress: this.request.ip,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const parsed: unknown = response.body === '' ? undefined : safeJson(response.body);
    if (response.statusCode < 400) return { ok: true, status: response.statusCode, body: parsed as T };
    const answer = parsed as
      | {
          error?: { code?: string; message?: string; details?: unknown };
          outcome?: unknown;
          message?: unknown;
        }
      | undefined;
    const error = answer?.error;
    // An outcome answer (`{ outcome, message }`) carries its own code and sentence.
    const outcome = typeof answer?.outcome === 'string' ? answer.outcome : undefined;
    const outcomeMessage = typeof answer?.message === 'string' ? answer.message : undefined;
    return {
      ok: false,
      status: response.statusCode,
      code: error?.code ?? outcome ?? `http_${response.statusCode}`,
      message: error?.message ?? outcomeMessage ?? 'the hub could not answer',
      details: error?.details,
      body: parsed,
    };
  }
}

/** The API calls a list of a workspace: `/api/v1/workspaces/<ws>/<rest>`. */
export function workspaceApiPath(ws: string, rest: string): string {
  return `/api/v1/workspaces/${encodeURIComponent(ws)}/${rest}`;
}

/** Field issues of a 400 answer (zod issues in `details`), else none. */
export function issuesOf(failure: ApiFailure): ApiIssue[] {
  if (!Array.isArray(failure.details)) return [];
  return failure.details.flatMap((issue: unknown) => {
    const candidate = issue as { path?: unknown; message?: unknown };
    return Array.isArray(candidate.path) && typeof candidate.message === 'string'
      ? [{ path: candidate.path as Array<string | number>, message: candidate.message }]
      : [];
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
