import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message the fake echo platform holds, as the echo channel sent it. */
export interface FakeEchoMessage {
  id: string;
  chatId: string;
  text?: string;
  threadId?: string;
  card?: Record<string, unknown>;
  idempotencyKey?: string;
  edited: boolean;
}

export interface FakeEchoPlatform {
  /** Put this in the echo config's `api_base_url`. */
  readonly url: string;
  /** Messages by id. */
  readonly messages: Map<string, FakeEchoMessage>;
  close(): Promise<void>;
}

/**
 * The HTTP side of the echo "platform" on 127.0.0.1 (port 0): `POST /api/messages` answers
 * `{ id }` (the same id again for a repeated idempotency key), `PATCH /api/messages/:id` edits
 * (404 for an unknown id). Bodies are the echo channel's JSON.
 */
export async function startFakeEchoPlatform(): Promise<FakeEchoPlatform> {
  const messages = new Map<string, FakeEchoMessage>();
  const idsByKey = new Map<string, string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-echo');
    const body = await readJson(req);
    if (req.method === 'POST' && url.pathname === '/api/messages') {
      const key = typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined;
      const known = key === undefined ? undefined : idsByKey.get(key);
      if (known) return reply(res, 200, { id: known });
      if (typeof body.chatId !== 'string') return reply(res, 400, { error: 'chat_id_required' });
      const id = `fake-echo-${messages.size + 1}`;
      messages.set(id, { ...fields(body), id, chatId: body.chatId, edited: false });
      if (key !== undefined) idsByKey.set(key, id);
      return reply(res, 200, { id });
    }
    const edit = /^\/api\/messages\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'PATCH' && edit?.[1]) {
      const id = decodeURIComponent(edit[1]);
      const message = messages.get(id);
      if (!message) return reply(res, 404, { error: 'message_not_found' });
      messages.set(id, { ...message, ...fields(body), edited: true });
      return reply(res, 200, { id });
    }
    reply(res, 404, { error: 'not_found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => reply(res, 400, { error: 'invalid_json' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    messages,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function fields(
  body: Record<string, unknown>,
): Pick<FakeEchoMessage, 'text' | 'threadId' | 'card' | 'idempotencyKey'> {
  return {
    text: typeof body.text === 'string' ? body.text : undefined,
    threadId: typeof body.threadId === 'string' ? body.threadId : undefined,
    card:
      typeof body.card === 'object' && body.card !== null
        ? (body.card as Record<string, unknown>)
        : undefined,
    idempotencyKey: typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined,
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('not an object');
  return parsed as Record<string, unknown>;
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
