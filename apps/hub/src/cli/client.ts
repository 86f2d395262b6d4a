import type { HubTarget } from './target.js';

/** A failure to show the user as is (no stack): bad input, an API refusal, an unreachable hub. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

type Json = Record<string, unknown>;

function describeDetails(details: unknown, message: string): string {
  if (!Array.isArray(details)) return '';
  const lines = details
    .map((issue: { path?: unknown[]; message?: string }) =>
      issue && typeof issue.message === 'string'
        ? `  - ${Array.isArray(issue.path) && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`
        : undefined,
    )
    // Some messages already name every issue; say each one once.
    .filter((line): line is string => line !== undefined && !message.includes(line.replace(/^ {2}- /, '')));
  return lines.length > 0 ? `\n${lines.join('\n')}` : '';
}

/** A thin JSON client of the admin API; every command goes through `call`. */
export class HubClient {
  constructor(readonly target: HubTarget) {}

  async call<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.target.url), {
        method,
        headers: {
          ...(this.target.token ? { authorization: `Bearer ${this.target.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`cannot reach the hub at ${this.target.url} (${cause}); is it running?`);
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : safeJson(text);
    if (!response.ok) {
      const envelope = (parsed as ErrorBody | undefined)?.error;
      const code = envelope?.code ?? `http_${response.status}`;
      let message = `${envelope?.message ?? response.statusText} (${response.status} ${code})`;
      if (response.status === 401 && !this.target.token) {
        message += '\nno API token: pass --token or set SWITCHBOARD_TOKEN';
      }
      throw new CliError(`${message}${describeDetails(envelope?.details, message)}`, envelope?.details);
    }
    return parsed as T;
  }

  /** The items of one list page, whichever key it uses (`items`, or a resource-named one). */
  async list(path: string, key: string): Promise<Json[]> {
    return (await this.page(path, key)).items;
  }

  /**
   * Every item of a paginated list: follows `nextCursor` until the last page, at most
   * `maxPages` pages (a hub that keeps answering a cursor must not loop the CLI forever).
   */
  async listAll(path: string, key: string, maxPages = 1_000): Promise<Json[]> {
    const all: Json[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const next = await this.page(
        cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
        key,
      );
      all.push(...next.items);
      if (!next.nextCursor) return all;
      cursor = next.nextCursor;
    }
    throw new CliError(`the list at ${path} has more than ${maxPages} pages; narrow it down`);
  }

  private async page(path: string, key: string): Promise<{ items: Json[]; nextCursor?: string }> {
    const body = await this.call<Json>('GET', path);
    const items = (body.items ?? body[key]) as Json[] | undefined;
    const nextCursor =
      typeof body.nextCursor === 'string' && body.nextCursor !== '' ? body.nextCursor : undefined;
    return { items: Array.isArray(items) ? items : [], ...(nextCursor ? { nextCursor } : {}) };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}
