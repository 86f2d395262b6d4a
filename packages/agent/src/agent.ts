import { type ExpressMiddleware, expressMiddleware } from './adapters/express.js';
import { type FastifyPlugin, fastifyPlugin } from './adapters/fastify.js';
import { type FetchHandler, fetchHandler } from './adapters/fetch.js';
import { type NodeHandler, nodeHandler } from './adapters/node.js';
import { RecentDeliveries } from './dedup.js';
import {
  type AgentEvent,
  type AgentEventType,
  type EventOfType,
  type HubUser,
  type Message,
  type MessageEvent,
  parseEvent,
} from './events.js';
import {
  type Content,
  createHubClient,
  type DownloadedMedia,
  type HubClient,
  type ReplyPlacement,
  type SendRequest,
  type SentMessage,
  toContent,
} from './hub-client.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, type SignatureFailure, verifySignature } from './signature.js';

export interface AgentOptions {
  /**
   * The agent's delivery secret, as registered with the hub. Several while rotating: deliveries
   * signed with any of them are accepted, and the first one signs requests to the hub.
   */
  secret: string | readonly string[];
  /** The hub's base URL, for replies and sends. */
  hubUrl: string;
  /** Accepted clock difference for signatures, in seconds (default 300, like the hub). */
  toleranceSeconds?: number;
  /**
   * Acknowledge a repeated delivery id without running handlers again (in memory, the last
   * `max` ids; default off). The hub retries until it gets a 2xx, so repeats are normal.
   */
  dedup?: boolean | { max?: number };
  /** Largest delivery body accepted by the built-in handlers (default 1 MiB). */
  maxBodyBytes?: number;
  /** Called with whatever a handler threw (the delivery then answers 500 and is retried). */
  onError?: (error: unknown, event: AgentEvent) => void;
  fetch?: typeof globalThis.fetch;
  /** Milliseconds since the epoch (tests use a fixed clock). */
  now?: () => number;
}

/** What every handler gets. */
export interface EventContext<E extends AgentEvent = AgentEvent> {
  event: E;
  /** The delivery id (stable across retries of this delivery). */
  deliveryId: string;
  /**
   * Posts to any chat of the installation (or another one of this agent). Without an explicit
   * key its idempotency key derives from the delivery id and the call's order in the handler,
   * so a retried delivery does not post twice.
   */
  send(request: Omit<SendRequest, 'installationId'> & { installationId?: string }): Promise<SentMessage>;
}

export interface ReplyOptions {
  /** Start (or continue) a thread under the message instead of answering beside it. */
  inThread?: boolean;
}

export interface MessageContext extends EventContext<MessageEvent> {
  message: Message;
  /** The hub user the sender is bound to. */
  user: HubUser;
  /** The session this agent named for the conversation, if it named one. */
  session?: { id: string };
  /** Answers in the same chat and thread. Idempotent across retries of the delivery. */
  reply(content: Content, options?: ReplyOptions): Promise<SentMessage>;
  /** Names this conversation's session; the hub hands it back with the conversation's next messages. */
  setSession(id: string): void;
  /** The bytes of `message.media[index]`, fetched through the hub from the platform now. */
  downloadMedia(index: number, options?: { maxBytes?: number }): Promise<DownloadedMedia>;
}

export type ContextFor<T extends AgentEventType> = T extends 'message'
  ? MessageContext
  : EventContext<EventOfType<T>>;

export type Handler<C> = (context: C) => unknown;

/** A request as any HTTP framework has it: headers (any case, or a Fetch `Headers`) and the exact body bytes. */
export interface AgentRequest {
  headers: Record<string, string | string[] | undefined> | Headers;
  body: Uint8Array | string;
}

export interface AgentResponse {
  status: number;
  body: Record<string, unknown>;
}

export type MessagePattern = string | RegExp;

interface Route {
  type: AgentEventType;
  pattern?: MessagePattern;
  handler: Handler<never>;
}

class HandlerFailed extends Error {}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export class Agent {
  readonly #options: AgentOptions;
  readonly #secrets: readonly string[];
  readonly #hub: HubClient;
  readonly #routes: Route[] = [];
  readonly #recent: RecentDeliveries<AgentResponse> | undefined;

  constructor(options: AgentOptions) {
    const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret];
    if (secrets.length === 0 || secrets.some((secret) => secret.length === 0)) {
      throw new TypeError('createAgent needs the agent delivery secret');
    }
    if (!/^https?:\/\//.test(options.hubUrl))
      throw new TypeError('createAgent needs the hub URL (http/https)');
    this.#options = options;
    this.#secrets = secrets;
    this.#hub = createHubClient({
      hubUrl: options.hubUrl,
      secret: secrets[0] as string,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    if (options.dedup) {
      this.#recent = new RecentDeliveries(typeof options.dedup === 'object' ? options.dedup.max : undefined);
    }
  }

  get maxBodyBytes(): number {
    return this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Runs for every message, or (with a pattern) for messages whose text contains or matches it. */
  message(handler: Handler<MessageContext>): this;
  message(pattern: MessagePattern, handler: Handler<MessageContext>): this;
  message(first: MessagePattern | Handler<MessageContext>, second?: Handler<MessageContext>): this {
    if (typeof first === 'function') this.#routes.push({ type: 'message', handler: first });
    else if (second) this.#routes.push({ type: 'message', pattern: first, handler: second });
    else throw new TypeError('agent.message(pattern, handler) needs a handler');
    return this;
  }

  /** Runs for every event of a type; `'unknown'` gets the types this SDK does not know yet. */
  on<T extends AgentEventType>(type: T, handler: Handler<ContextFor<T>>): this {
    this.#routes.push({ type, handler: handler as Handler<never> });
    return this;
  }

  /** Posts a message outside any delivery (a reminder, a report). */
  send(request: SendRequest): Promise<SentMessage> {
    return this.#hub.send(request);
  }

  /**
   * The whole delivery contract, framework-free: 401 for a bad signature, 400 for a body that is
   * not a delivery, 500 when a handler throws (the hub retries), else 200 after the handlers ran.
   */
  async handle(request: AgentRequest): Promise<AgentResponse> {
    const check = verifySignature({
      secret: this.#secrets,
      header: headerValue(request.headers, SIGNATURE_HEADER),
      body: request.body,
      nowMs: (this.#options.now ?? Date.now)(),
      ...(this.#options.toleranceSeconds !== undefined
        ? { toleranceSeconds: this.#options.toleranceSeconds }
        : {}),
    });
    if (!check.ok) return failure(401, check.reason, SIGNATURE_MESSAGES[check.reason]);
    let json: unknown;
    try {
      json = JSON.parse(
        typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body),
      );
    } catch {
      return failure(400, 'invalid_json', 'the delivery body is not JSON');
    }
    const parsed = parseEvent(json);
    if (!parsed.ok) return failure(400, 'invalid_delivery', parsed.error);
    const { event } = parsed;
    const headerId = headerValue(request.headers, DELIVERY_HEADER);
    if (typeof headerId === 'string' && headerId !== event.id) {
      return failure(400, 'invalid_delivery', `${DELIVERY_HEADER} does not match the body id`);
    }
    try {
      if (!this.#recent) return await this.#dispatch(event);
      const { value, repeated } = await this.#recent.once(event.id, () => this.#dispatch(event));
      return repeated ? { status: 200, body: { ...value.body, duplicate: true } } : value;
    } catch (error) {
      if (!(error instanceof HandlerFailed)) throw error;
      return failure(500, 'handler_failed', 'the agent could not handle the delivery; the hub will retry');
    }
  }

  /** A Node `http` request listener (or route handler) answering deliveries. */
  nodeHandler(): NodeHandler {
    return nodeHandler(this);
  }

  /** Express (4 or 5) middleware; mount it before `express.json()` or on its own route. */
  express(): ExpressMiddleware {
    return expressMiddleware(this);
  }

  /** A Fetch API handler (`(Request) => Promise<Response>`) for Hono, Next.js, Bun, Deno. */
  fetchHandler(): FetchHandler {
    return fetchHandler(this);
  }

  /** A Fastify plugin registering `POST <path>` (default `/`) with its own raw-body parser. */
  fastify(): FastifyPlugin {
    return fastifyPlugin(this);
  }

  async #dispatch(event: AgentEvent): Promise<AgentResponse> {
    let sessionId: string | undefined;
    let sends = 0;
    const send: EventContext['send'] = (request) =>
      this.#hub.send({
        ...request,
        installationId: request.installationId ?? event.installationId,
        idempotencyKey: request.idempotencyKey ?? `send:${event.id}:${++sends}`,
      });
    const context: EventContext =
      event.type === 'message'
        ? this.#messageContext(event, send, (id) => {
            sessionId = id;
          })
        : { event, deliveryId: event.id, send };
    for (const route of this.#routes) {
      if (route.type !== event.type || !matches(route, event)) continue;
      try {
        await (route.handler as Handler<EventContext>)(context);
      } catch (error) {
        this.#report(error, event);
        throw new HandlerFailed();
      }
    }
    return { status: 200, body: { ok: true, ...(sessionId ? { sessionId } : {}) } };
  }

  #messageContext(
    event: MessageEvent,
    send: EventContext['send'],
    setSession: (id: string) => void,
  ): MessageContext {
    let replies = 0;
    return {
      event,
      deliveryId: event.id,
      send,
      message: event.message,
      user: event.user,
      ...(event.session ? { session: event.session } : {}),
      reply: (content, options) =>
        this.#hub.send({
          installationId: event.installationId,
          chatId: event.message.source.chatId,
          ...toContent(content),
          ...placement(event.message, options),
          idempotencyKey: `reply:${event.id}:${++replies}`,
        }),
      setSession,
      downloadMedia: (index, options) =>
        this.#hub.downloadMedia({
          installationId: event.installationId,
          deliveryId: event.id,
          index,
          ...(options?.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        }),
    };
  }

  #report(error: unknown, event: AgentEvent): void {
    if (this.#options.onError) {
      try {
        this.#options.onError(error, event);
      } catch {
        // A failing error reporter must not turn a retryable 500 into a crash.
      }
      return;
    }
    console.error(`switchboard agent: handler failed for ${event.type} delivery ${event.id}:`, error);
  }
}

/** `const agent = createAgent({ secret, hubUrl }); agent.message(({ reply }) => reply('hi'))`. */
export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}

const SIGNATURE_MESSAGES: Record<SignatureFailure, string> = {
  missing_signature: `the ${SIGNATURE_HEADER} header is missing`,
  malformed_signature: `the ${SIGNATURE_HEADER} header is not t=<unix>,v1=<hex>`,
  stale_timestamp: 'the signature is too old (check the clock, or a replay)',
  future_timestamp: 'the signature is from the future (check the clock)',
  bad_signature: 'the signature does not match (wrong secret, or a modified body)',
};

/** Header names are case-insensitive; Node lower-cases them, hand-built records may not. */
function headerValue(headers: AgentRequest['headers'], name: string): string | readonly string[] | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  if (name in record) return record[name];
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

function failure(status: number, code: string, message: string): AgentResponse {
  return { status, body: { error: { code, message } } };
}

function matches(route: Route, event: AgentEvent): boolean {
  if (route.pattern === undefined) return true;
  const text = event.type === 'message' ? (event.message.text ?? '') : '';
  if (typeof route.pattern === 'string') return text.includes(route.pattern);
  route.pattern.lastIndex = 0;
  return route.pattern.test(text);
}

/** The same thread as the message, or (asked to) a new thread under it, or beside it in the chat. */
function placement(message: Message, options: ReplyOptions | undefined): { reply?: ReplyPlacement } {
  if (message.reply?.threadId) return { reply: { threadId: message.reply.threadId } };
  // Platforms thread under the message replied to (Slack: its ts); a quote elsewhere is not copied.
  if (options?.inThread) return { reply: { replyToMessageId: message.platformMessageId } };
  return {};
}
