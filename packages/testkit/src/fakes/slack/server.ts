import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeSocketAck, FakeSocketMode, type FakeSocketPushOptions } from './socket-mode.js';

/** One Web API request as the fake received it. */
export interface FakeSlackCall {
  /** The Web API method, e.g. `chat.postMessage`. */
  method: string;
  /** Query and body parameters: strings for form posts (objects arrive JSON-encoded), values for JSON. */
  params: Record<string, unknown>;
  /** Lower-case names, as node:http delivers them. */
  headers: Record<string, string | string[] | undefined>;
  httpMethod: string;
}

/** What the next call of a method does instead of (or before) its normal answer. */
export type FakeSlackFailure =
  /** HTTP 429 with `Retry-After: <seconds>`, as Slack rate-limits. */
  | { status: 429; retryAfter: number }
  /** An HTTP server error with a non-JSON body. */
  | { status: 500 | 502 | 503 | 504 }
  /** HTTP 200 `{ ok: false, error }`, Slack's usual way of failing. */
  | { ok: false; error: string }
  /** Answers normally after a pause (for client timeouts). */
  | { delayMs: number }
  /** Does the work (a post is posted), then cuts the connection: the answer is lost. */
  | { lostAnswer: true };

/** A user object as users.info returns it; seed `FakeSlack.users` with these. */
export interface FakeSlackUser {
  id: string;
  team_id?: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  profile?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A message the fake holds (posted through chat.postMessage, possibly edited by chat.update). */
export interface FakeSlackMessage {
  type: 'message';
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  edited?: { user: string; ts: string };
  /** chat.postMessage `metadata`; `conversations.history` returns it with `include_all_metadata`. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface FakeSlackOptions {
  /** Accepted bot tokens; by default any token starting with `xoxb-` is valid. */
  botTokens?: string[];
  teamId?: string;
  teamName?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Accepted app-level tokens for `apps.connections.open`; by default any `xapp-` token. */
  appTokens?: string[];
  /** How long `pushEvent` and `waitForSocketConnections` wait by default (5 s). */
  socketTimeoutMs?: number;
}

export interface FakeSlack {
  /** The Web API base URL, ending in `/api/` like https://slack.com/api/. */
  readonly url: string;
  readonly calls: FakeSlackCall[];
  /** users.info answers from here; a missing id is `user_not_found`. */
  readonly users: Map<string, FakeSlackUser>;
  /** Posted messages keyed `${channel}:${ts}`. */
  readonly messages: Map<string, FakeSlackMessage>;
  /** Queues a failure for the next call of `method` (several queue up in order). */
  failNext(method: string, failure: FakeSlackFailure): void;
  /** The calls of one method, oldest first. */
  callsTo(method: string): FakeSlackCall[];

  // Socket Mode: `apps.connections.open` hands out `ws://127.0.0.1:<port>/link/?ticket=…` URLs
  // (single-use tickets) served on the same port.

  /** Sockets open right now. */
  socketConnections(): number;
  /** Sockets ever accepted. */
  readonly socketConnectCount: number;
  /** Every `{ envelope_id }` ack received, in arrival order. */
  readonly acks: FakeSocketAck[];
  /** Every message clients sent over a socket, parsed. */
  readonly socketMessages: unknown[];
  /**
   * Sends an `events_api` envelope carrying `payload` (an `event_callback` body) to the newest open
   * socket. Resolves with the ack; rejects when none arrives in time or the socket closes first.
   */
  pushEvent(payload: unknown, options?: FakeSocketPushOptions): Promise<FakeSocketAck>;
  /** Sends `{ type: 'disconnect', reason }` to every socket and closes them; resolves when all are closed. */
  disconnectAll(reason?: string): Promise<void>;
  /** Cuts every socket without a disconnect message or close frame, like a network drop. */
  dropSockets(): Promise<void>;
  /** While true, WebSocket upgrades are answered HTTP 503 (an outage); `apps.connections.open` still works. */
  refuseSockets(refuse?: boolean): void;
  /** While true, new sockets get no `hello`, so clients never see the connection as ready. */
  withholdHello(withhold?: boolean): void;
  /** Resolves once exactly `count` sockets are open. */
  waitForSocketConnections(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Handler = (params: Record<string, unknown>) => Json;

/**
 * A Slack Web API double on 127.0.0.1 (port 0) speaking Slack's wire format: form-encoded or JSON
 * bodies, a bearer token, HTTP 200 `{ ok: false, error }` failures and 429 + Retry-After.
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = options.teamId ?? 'T0FAKE001';
  const botUserId = options.botUserId ?? 'U0FAKEBOT';
  const botId = options.botId ?? 'B0FAKEBOT';
  const appId = options.appId ?? 'A0FAKEAPP';
  const calls: FakeSlackCall[] = [];
  const users = new Map<string, FakeSlackUser>();
  const messages = new Map<string, FakeSlackMessage>();
  const failures = new Map<string, FakeSlackFailure[]>();
  let lastTsMicros = 0;
  let port = 0;
  const socketMode = new FakeSocketMode(appId, options.socketTimeoutMs ?? 5000);

  const nextTs = (): string => {
    lastTsMicros = Math.max(Date.now() * 1000, lastTsMicros + 1);
    return `${Math.floor(lastTsMicros / 1_000_000)}.${String(lastTsMicros % 1_000_000).padStart(6, '0')}`;
  };

  const handlers: Record<string, Handler> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${(options.teamName ?? 'fake').toLowerCase()}.slack.com/`,
      team: options.teamName ?? 'Fake Team',
      user: 'fakebot',
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (params) => {
      const channel = stringParam(params.channel);
      if (!channel || !/^[CDG][A-Z0-9]{2,}$/.test(channel)) return slackError('channel_not_found');
      const content = messageContent(params);
      if ('error' in content) return content;
      const metadata = messageMetadata(params.metadata);
      if (metadata === 'invalid') return slackError('invalid_metadata_format');
      const ts = nextTs();
      const threadTs = stringParam(params.thread_ts);
      const message: FakeSlackMessage = {
        type: 'message',
        channel,
        ts,
        ...content,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(metadata ? { metadata } : {}),
        user: botUserId,
        bot_id: botId,
        app_id: appId,
        team: teamId,
      };
      messages.set(`${channel}:${ts}`, message);
      const { channel: _channel, ...wire } = message;
      return { ok: true, channel, ts, message: wire };
    },
    'chat.update': (params) => {
      const channel = stringParam(params.channel);
      const ts = stringParam(params.ts);
      if (!channel) return slackError('channel_not_found');
      const message = ts ? messages.get(`${channel}:${ts}`) : undefined;
      if (!ts || !message) return slackError('message_not_found');
      const content = messageContent(params);
      if ('error' in content) return content;
      message.text = content.text;
      message.blocks = content.blocks;
      message.edited = { user: botUserId, ts: nextTs() };
      const { channel: _channel, ...wire } = message;
      return { ok: true, channel, ts, text: message.text ?? '', message: wire };
    },
    // Newest first, top-level messages only (thread replies live in conversations.replies).
    'conversations.history': (params) => {
      const channel = stringParam(params.channel);
      if (!channel) return slackError('channel_not_found');
      const limit = Math.min(Number(params.limit ?? 100) || 100, 1_000);
      const found = [...messages.values()]
        .filter((m) => m.channel === channel && (m.thread_ts === undefined || m.thread_ts === m.ts))
        .sort((a, b) => Number(b.ts) - Number(a.ts))
        .slice(0, limit);
      return { ok: true, messages: found.map((m) => wireMessage(m, params)), has_more: false };
    },
    // The parent `ts` and its replies, oldest first.
    'conversations.replies': (params) => {
      const channel = stringParam(params.channel);
      const ts = stringParam(params.ts);
      if (!channel || !ts) return slackError('thread_not_found');
      const found = [...messages.values()]
        .filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts))
        .sort((a, b) => Number(a.ts) - Number(b.ts));
      return { ok: true, messages: found.map((m) => wireMessage(m, params)), has_more: false };
    },
    'apps.connections.open': () => ({ ok: true, url: socketMode.issueUrl(port) }),
    'users.info': (params) => {
      const user = users.get(stringParam(params.user) ?? '');
      return user ? { ok: true, user } : slackError('user_not_found');
    },
    // Only the app's own bot is known; installation checks ask it for the app id.
    'bots.info': (params) =>
      stringParam(params.bot) === botId
        ? { ok: true, bot: { id: botId, deleted: false, name: 'fakebot', app_id: appId, user_id: botUserId } }
        : slackError('bot_not_found'),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: 'fake_internal_error', detail: String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-slack');
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!match?.[1]) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    const method = match[1];
    const body = await readBody(req);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    let bodyToken: string | undefined;
    if (contentType === 'application/json' && body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        calls.push({ method, params, headers: { ...req.headers }, httpMethod: req.method ?? 'GET' });
        sendJson(res, 200, slackError('invalid_json'));
        return;
      }
      Object.assign(params, parsed);
    } else if (body.length > 0) {
      const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      // Slack accepts the token as a form field (but not inside a JSON body).
      bodyToken = form.token;
      delete form.token;
      Object.assign(params, form);
    }
    calls.push({ method, params, headers: { ...req.headers }, httpMethod: req.method ?? 'GET' });

    const failure = failures.get(method)?.shift();
    if (failure && 'lostAnswer' in failure) {
      const handler = handlers[method];
      if (handler) handler(params);
      res.socket?.destroy();
      return;
    }
    if (failure && 'delayMs' in failure) {
      await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
    } else if (failure && 'status' in failure) {
      if (failure.status === 429) {
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(failure.retryAfter) })
          .end(JSON.stringify(slackError('ratelimited')));
      } else {
        res
          .writeHead(failure.status, { 'content-type': 'text/html' })
          .end('<html><body>Server Error</body></html>');
      }
      return;
    } else if (failure) {
      sendJson(res, 200, slackError(failure.error));
      return;
    }

    const token = bearerToken(req.headers.authorization) ?? bodyToken;
    if (!token) {
      sendJson(res, 200, slackError('not_authed'));
      return;
    }
    const tokenError = checkToken(method, token, options);
    if (tokenError) {
      sendJson(res, 200, slackError(tokenError));
      return;
    }
    const handler = handlers[method];
    sendJson(res, 200, handler ? handler(params) : slackError('unknown_method'));
  }

  server.on('upgrade', (req, socket, head) => socketMode.handleUpgrade(req, socket, head));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    users,
    messages,
    failNext(method, failure) {
      const queue = failures.get(method) ?? [];
      queue.push(failure);
      failures.set(method, queue);
    },
    callsTo: (method) => calls.filter((call) => call.method === method),
    socketConnections: () => socketMode.openCount,
    get socketConnectCount() {
      return socketMode.connectCount;
    },
    acks: socketMode.acks,
    socketMessages: socketMode.received,
    pushEvent: (payload, pushOptions) => socketMode.push(payload, pushOptions),
    disconnectAll: (reason = 'refresh_requested') => socketMode.disconnectAll(reason),
    dropSockets: () => socketMode.dropAll(),
    refuseSockets: (refuse = true) => socketMode.refuse(refuse),
    withholdHello: (withhold = true) => socketMode.withholdHello(withhold),
    waitForSocketConnections: (count, timeoutMs) => socketMode.waitForCount(count, timeoutMs),
    close: async () => {
      // Upgraded sockets are no longer the HTTP server's connections: end them first.
      await socketMode.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Slack keeps token kinds apart: `apps.connections.open` takes only an app-level token, every
 * other method here only a bot token; the wrong kind is `not_allowed_token_type`.
 */
function checkToken(method: string, token: string, options: FakeSlackOptions): string | undefined {
  const wantsAppToken = method === 'apps.connections.open';
  const isAppToken = token.startsWith('xapp-');
  if (isAppToken !== wantsAppToken && (isAppToken || token.startsWith('xoxb-'))) {
    return 'not_allowed_token_type';
  }
  const accepted = wantsAppToken ? options.appTokens : options.botTokens;
  const known = accepted ? accepted.includes(token) : token.startsWith(wantsAppToken ? 'xapp-' : 'xoxb-');
  return known ? undefined : 'invalid_auth';
}

function slackError(error: string): Json & { error: string } {
  return { ok: false, error };
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `text` and `blocks` (a JSON string in form posts); Slack refuses a message with neither. */
function messageContent(
  params: Record<string, unknown>,
): { text?: string; blocks?: unknown[] } | (Json & { error: string }) {
  const text = stringParam(params.text);
  let blocks: unknown = params.blocks;
  if (typeof blocks === 'string') {
    try {
      blocks = JSON.parse(blocks);
    } catch {
      return slackError('invalid_blocks');
    }
  }
  if (blocks !== undefined && !Array.isArray(blocks)) return slackError('invalid_blocks');
  if (text === undefined && (blocks === undefined || blocks.length === 0)) return slackError('no_text');
  return { ...(text !== undefined ? { text } : {}), ...(blocks !== undefined ? { blocks } : {}) };
}

/** `metadata` as chat.postMessage takes it: an object, or its JSON text in form posts. */
function messageMetadata(value: unknown): FakeSlackMessage['metadata'] | 'invalid' | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return 'invalid';
    }
  }
  const record = parsed as { event_type?: unknown; event_payload?: unknown } | null;
  if (
    typeof record?.event_type !== 'string' ||
    typeof record.event_payload !== 'object' ||
    !record.event_payload
  ) {
    return 'invalid';
  }
  return { event_type: record.event_type, event_payload: record.event_payload as Record<string, unknown> };
}

/** A held message as the conversations.* methods return it; metadata only when asked for. */
function wireMessage(message: FakeSlackMessage, params: Record<string, unknown>): Json {
  const { channel: _channel, metadata, ...wire } = message;
  const withMetadata = params.include_all_metadata === true || params.include_all_metadata === 'true';
  return withMetadata && metadata ? { ...wire, metadata } : wire;
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: Json): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
