import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { decodeFrame, encodeFrame, frameHeader } from './pbbp2.js';

/** One Open API request as the fake received it. */
export interface FakeFeishuCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
  authorization?: string;
}

/** What the next call of a path does instead of its normal answer. */
export type FakeFeishuFailure =
  /** HTTP 429, code 99991400, `x-ogw-ratelimit-reset: <seconds>`. */
  | { rateLimited: true; resetSeconds: number }
  /** HTTP 400 with Feishu's `{ code, msg }` (e.g. 230020: the chat is gone). */
  | { code: number; msg?: string };

/** A contact record as `contact/v3/users/:open_id` answers it. */
export interface FakeFeishuUser {
  open_id: string;
  union_id?: string;
  name?: string;
  email?: string;
  enterprise_email?: string;
  status?: {
    is_frozen?: boolean;
    is_resigned?: boolean;
    is_activated?: boolean;
    is_exited?: boolean;
    is_unjoin?: boolean;
  };
}

export interface FakeFeishuMessage {
  message_id: string;
  receive_id?: string;
  reply_to?: string;
  msg_type: string;
  content: string;
  uuid?: string;
  updates: Array<{ method: 'PATCH' | 'PUT'; content: string }>;
}

/** A message resource with the headers Feishu serves it with. */
export interface FakeFeishuResource {
  bytes: Uint8Array;
  mimeType?: string;
  name?: string;
}

export interface FakeFeishuAck {
  messageId: string;
  code: number;
}

export interface FakeFeishuOptions {
  appId: string;
  appSecret: string;
  tenantKey: string;
  botOpenId?: string;
  /** Seconds, as Feishu's ClientConfig gives them. */
  pingInterval?: number;
}

export interface FakeFeishu {
  url: string;
  calls: FakeFeishuCall[];
  users: Map<string, FakeFeishuUser>;
  messages: FakeFeishuMessage[];
  acks: FakeFeishuAck[];
  /** Uploaded images and files by the key the fake answered. */
  uploads: Map<string, Buffer>;
  /** The `file_name` each uploaded file carried, by file key. */
  uploadNames: Map<string, string>;
  /**
   * Inbound media served by the message-resource API, keyed `<message id>/<file key>`; a key not
   * here answers Feishu's `234003 File not in msg.`.
   */
  resources: Map<string, Uint8Array | FakeFeishuResource>;
  /** Queues a failure for the next call whose path starts with `pathPrefix`. */
  fail(pathPrefix: string, failure: FakeFeishuFailure): void;
  /** Open long connections (a client counts once its WebSocket is up). */
  connections(): number;
  /** The number of pings received so far. */
  pings(): number;
  /**
   * Pushes a v2 envelope over the long connection, split into `parts` frames, and resolves with
   * its ack (rejects after `timeoutMs` without one). `dropPart` leaves one part out.
   */
  push(
    envelope: unknown,
    options?: { parts?: number; dropPart?: number; timeoutMs?: number },
  ): Promise<FakeFeishuAck>;
  /** Sends raw bytes to every connection (malformed frames). */
  sendRaw(bytes: Uint8Array): void;
  /** Stops (or resumes) answering pings, like a server that went quiet without closing. */
  silence(on: boolean): void;
  /** Cuts every long connection without a close handshake. */
  dropConnections(): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

/** An uploaded file part as the fake parsed it from `multipart/form-data`. */
export interface FakeFeishuFilePart {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/form-data')) {
    // Uploads: parsed as a real server would (boundary, parts); text fields stay strings and
    // file parts become `FakeFeishuFilePart`s.
    const fields: Record<string, unknown> = { multipartBytes: raw.length };
    try {
      const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
      for (const [name, value] of form.entries()) {
        fields[name] =
          typeof value === 'string'
            ? value
            : ({
                filename: value.name,
                contentType: value.type,
                bytes: Buffer.from(await value.arrayBuffer()),
              } satisfies FakeFeishuFilePart);
      }
    } catch {
      fields.malformedMultipart = true;
    }
    return fields;
  }
  const text = raw.toString('utf8');
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const isFilePart = (value: unknown): value is FakeFeishuFilePart =>
  typeof value === 'object' && value !== null && Buffer.isBuffer((value as FakeFeishuFilePart).bytes);

/**
 * A small Feishu: the token endpoint, bot info, tenant query, contact users, im/v1 messages
 * (send, reply, PATCH, PUT) with `uuid` idempotency, image and file uploads (multipart) and
 * the message-resource download, Feishu's error bodies and rate limits, and
 * the long connection (`POST /callback/ws/endpoint`, then pbbp2 frames over a WebSocket).
 */
export async function startFakeFeishu(options: FakeFeishuOptions): Promise<FakeFeishu> {
  const calls: FakeFeishuCall[] = [];
  const users = new Map<string, FakeFeishuUser>();
  const messages: FakeFeishuMessage[] = [];
  const acks: FakeFeishuAck[] = [];
  const failures: Array<{ prefix: string; failure: FakeFeishuFailure }> = [];
  const token = `t-${options.appId}`;
  const botOpenId = options.botOpenId ?? 'ou_fakebot0000000000000000000000';
  const pingInterval = options.pingInterval ?? 30;
  const sockets = new Set<WebSocket>();
  const waiting = new Map<string, (ack: FakeFeishuAck) => void>();
  const uploads = new Map<string, Buffer>();
  const resources = new Map<string, Uint8Array | FakeFeishuResource>();
  const uploadNames = new Map<string, string>();
  let pingCount = 0;
  let silent = false;
  let nextId = 1;
  let seq = 1;

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = await readBody(req);
      const call: FakeFeishuCall = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      };
      calls.push(call);
      const path = url.pathname;
      if (path === '/open-apis/auth/v3/tenant_access_token/internal') {
        if (body.app_id !== options.appId || body.app_secret !== options.appSecret) {
          return json(res, 200, { code: 10014, msg: 'app secret invalid' });
        }
        return json(res, 200, { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 });
      }
      if (path === '/callback/ws/endpoint') {
        if (body.AppID !== options.appId || body.AppSecret !== options.appSecret) {
          return json(res, 200, { code: 1000040343, msg: 'app secret invalid' });
        }
        const address = server.address() as AddressInfo;
        return json(res, 200, {
          code: 0,
          data: {
            URL: `ws://127.0.0.1:${address.port}/ws?fpid=1&device_id=fake-device&service_id=7`,
            ClientConfig: {
              PingInterval: pingInterval,
              ReconnectCount: -1,
              ReconnectInterval: 5,
              ReconnectNonce: 1,
            },
          },
        });
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        return json(res, 401, { code: 99991663, msg: 'Invalid access token for authorization' });
      }
      const failureAt = failures.findIndex((entry) => path.startsWith(entry.prefix));
      if (failureAt !== -1) {
        const failure = (failures.splice(failureAt, 1)[0] as { failure: FakeFeishuFailure }).failure;
        if ('rateLimited' in failure) {
          return json(
            res,
            429,
            { code: 99991400, msg: 'request trigger frequency limit' },
            {
              'x-ogw-ratelimit-limit': '50',
              'x-ogw-ratelimit-reset': String(failure.resetSeconds),
            },
          );
        }
        return json(res, 400, { code: failure.code, msg: failure.msg ?? 'error' });
      }
      if (path === '/open-apis/im/v1/images' && req.method === 'POST') {
        if (!isFilePart(body.image) || body.image_type !== 'message')
          return json(res, 400, { code: 234001, msg: 'Invalid request param.' });
        if (body.image.bytes.length > 10 * 1024 * 1024)
          return json(res, 400, { code: 234006, msg: 'The file size exceed the max value.' });
        const imageKey = `img_v3_fake${String(nextId++).padStart(4, '0')}`;
        uploads.set(imageKey, body.image.bytes);
        return json(res, 200, { code: 0, msg: 'success', data: { image_key: imageKey } });
      }
      if (path === '/open-apis/im/v1/files' && req.method === 'POST') {
        if (
          !isFilePart(body.file) ||
          typeof body.file_name !== 'string' ||
          typeof body.file_type !== 'string'
        )
          return json(res, 400, { code: 234001, msg: 'Invalid request param.' });
        if (body.file.bytes.length > 30 * 1024 * 1024)
          return json(res, 400, { code: 234006, msg: 'The file size exceed the max value.' });
        const fileKey = `file_v3_fake${String(nextId++).padStart(4, '0')}`;
        uploads.set(fileKey, body.file.bytes);
        uploadNames.set(fileKey, body.file_name);
        return json(res, 200, { code: 0, msg: 'success', data: { file_key: fileKey } });
      }
      const resource = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/.exec(path);
      if (resource && req.method === 'GET') {
        const type = url.searchParams.get('type');
        if (type !== 'image' && type !== 'file')
          return json(res, 400, { code: 234001, msg: 'Invalid request param.' });
        const entry = resources.get(
          `${decodeURIComponent(resource[1] as string)}/${decodeURIComponent(resource[2] as string)}`,
        );
        if (!entry) return json(res, 400, { code: 234003, msg: 'File not in msg.' });
        const item = entry instanceof Uint8Array ? { bytes: entry } : entry;
        res.writeHead(200, {
          'content-type': item.mimeType ?? 'application/octet-stream',
          'content-length': String(item.bytes.length),
          ...(item.name
            ? { 'content-disposition': `attachment; filename="${encodeURIComponent(item.name)}"` }
            : {}),
        });
        return res.end(Buffer.from(item.bytes));
      }
      if (path === '/open-apis/bot/v3/info') {
        return json(res, 200, {
          code: 0,
          msg: 'ok',
          bot: { open_id: botOpenId, app_name: 'Fake bot', activate_status: 2 },
        });
      }
      if (path === '/open-apis/tenant/v2/tenant/query') {
        return json(res, 200, {
          code: 0,
          msg: 'ok',
          data: { tenant: { tenant_key: options.tenantKey, name: 'Fake tenant' } },
        });
      }
      const contact = /^\/open-apis\/contact\/v3\/users\/([^/]+)$/.exec(path);
      if (contact) {
        const user = users.get(decodeURIComponent(contact[1] as string));
        if (!user) return json(res, 400, { code: 41050, msg: 'no user authority error' });
        return json(res, 200, { code: 0, msg: 'success', data: { user } });
      }
      if (path === '/open-apis/im/v1/messages' && req.method === 'POST') {
        return json(res, 200, {
          code: 0,
          msg: 'success',
          data: record({ receive_id: String(body.receive_id ?? '') }, body),
        });
      }
      const one = /^\/open-apis\/im\/v1\/messages\/([^/]+)(\/reply)?$/.exec(path);
      if (one) {
        const id = decodeURIComponent(one[1] as string);
        if (one[2] && req.method === 'POST')
          return json(res, 200, { code: 0, msg: 'success', data: record({ reply_to: id }, body) });
        const message = messages.find((m) => m.message_id === id);
        if (!message) return json(res, 400, { code: 230001, msg: 'message not found' });
        if (req.method === 'PATCH' || req.method === 'PUT') {
          message.updates.push({ method: req.method, content: String(body.content ?? '') });
          message.content = String(body.content ?? '');
          return json(res, 200, { code: 0, msg: 'success', data: {} });
        }
      }
      return json(res, 404, { code: 404, msg: `no route ${req.method} ${path}` });
    })();
  });

  function record(target: { receive_id?: string; reply_to?: string }, body: Record<string, unknown>) {
    const uuid = typeof body.uuid === 'string' ? body.uuid : undefined;
    // Feishu answers a repeated uuid with the message it already sent.
    const earlier = uuid ? messages.find((m) => m.uuid === uuid) : undefined;
    if (earlier) return { message_id: earlier.message_id };
    const message: FakeFeishuMessage = {
      message_id: `om_fake${String(nextId++).padStart(6, '0')}`,
      ...target,
      msg_type: String(body.msg_type ?? ''),
      content: String(body.content ?? ''),
      ...(uuid ? { uuid } : {}),
      updates: [],
    };
    messages.push(message);
    return { message_id: message.message_id, chat_id: target.receive_id };
  }

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/ws')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        let frame: ReturnType<typeof decodeFrame>;
        try {
          frame = decodeFrame(new Uint8Array(data as Buffer));
        } catch {
          return;
        }
        const type = frameHeader(frame, 'type');
        if (frame.method === 0 && type === 'ping') {
          pingCount++;
          if (silent) return;
          const pong = {
            PingInterval: pingInterval,
            ReconnectCount: -1,
            ReconnectInterval: 5,
            ReconnectNonce: 1,
          };
          ws.send(
            encodeFrame({
              ...frame,
              headers: [{ key: 'type', value: 'pong' }],
              payload: new TextEncoder().encode(JSON.stringify(pong)),
            }),
          );
          return;
        }
        if (frame.method === 1) {
          const messageId = frameHeader(frame, 'message_id') ?? '';
          let code = 0;
          try {
            code = Number((JSON.parse(new TextDecoder().decode(frame.payload)) as { code?: unknown }).code);
          } catch {
            code = -1;
          }
          const ack = { messageId, code };
          acks.push(ack);
          waiting.get(messageId)?.(ack);
        }
      });
    });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    users,
    messages,
    acks,
    uploads,
    uploadNames,
    resources,
    fail: (prefix, failure) => failures.push({ prefix, failure }),
    connections: () => [...sockets].filter((ws) => ws.readyState === ws.OPEN).length,
    pings: () => pingCount,
    push(envelope, pushOptions = {}) {
      const payload = new TextEncoder().encode(JSON.stringify(envelope));
      const parts = Math.max(1, pushOptions.parts ?? 1);
      const messageId = `msg_${seq}_${Date.now()}`;
      const size = Math.ceil(payload.length / parts);
      const socket = [...sockets].find((ws) => ws.readyState === ws.OPEN);
      if (!socket) return Promise.reject(new Error('no open long connection'));
      const acked = new Promise<FakeFeishuAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(messageId);
          reject(new Error(`no ack for ${messageId}`));
        }, pushOptions.timeoutMs ?? 5_000);
        waiting.set(messageId, (ack) => {
          clearTimeout(timer);
          waiting.delete(messageId);
          resolve(ack);
        });
      });
      for (let index = 0; index < parts; index++) {
        if (index === pushOptions.dropPart) continue;
        socket.send(
          encodeFrame({
            seqId: seq++,
            logId: 0,
            service: 7,
            method: 1,
            headers: [
              { key: 'type', value: 'event' },
              { key: 'message_id', value: messageId },
              { key: 'sum', value: String(parts) },
              { key: 'seq', value: String(index) },
              { key: 'trace_id', value: `trace-${messageId}` },
            ],
            payload: payload.subarray(index * size, (index + 1) * size),
          }),
        );
      }
      return acked;
    },
    silence(on) {
      silent = on;
    },
    sendRaw(bytes) {
      for (const ws of sockets) ws.send(bytes);
    },
    dropConnections() {
      for (const ws of sockets) ws.terminate();
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
