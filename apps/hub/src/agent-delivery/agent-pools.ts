import { Pool } from 'undici';
import { type EgressPolicy, guardedConnector, type NameResolver } from '../egress/index.js';
import { type CappedBody, readCappedStream } from './read-capped.js';

export interface AgentPoolOptions {
  /** Every connection a pool opens is checked against this (after DNS, on the real address). */
  egress: EgressPolicy;
  /** Sockets per agent: deliveries beyond this wait in the pool's queue (default 32). */
  connectionsPerAgent?: number;
  /** A pool no delivery used for this long is closed (default 60 s); the next one opens anew. */
  idleCloseMs?: number;
  /** Name resolution (default the system resolver); tests stand in for DNS here. */
  resolve?: NameResolver;
}

export interface AgentPost {
  /** The pool's owner: one pool per agent, for the origin of its current URL. */
  agentKey: string;
  url: string;
  headers: Record<string, string>;
  payload: string;
  timeoutMs: number;
}

export type AgentAnswer = { status: number; body: CappedBody };

/** The delivery took longer than its timeout (`name` matches what `fetch` throws). */
export class AgentTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

interface PoolEntry {
  origin: string;
  pool: Pool;
  lastUsedAt: number;
}

/**
 * Keep-alive HTTP pools for agent deliveries, one per agent, through undici's `request` (no
 * WHATWG Request/stream layer per delivery). The pool is bound to the origin of the agent's URL
 * at the time it opened: a delivery to a changed URL gets a new pool and the old one is closed,
 * so a signed delivery never rides a connection to the agent's former host. Redirects are never
 * followed (`request` has no redirect handling), bodies are read up to `responseLimit`.
 */
export class AgentPools {
  readonly #options: AgentPoolOptions;
  readonly #connect: ReturnType<typeof guardedConnector>;
  readonly #entries = new Map<string, PoolEntry>();
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  constructor(options: AgentPoolOptions) {
    this.#options = options;
    this.#connect = guardedConnector(options.egress, options.resolve);
    const idleMs = options.idleCloseMs ?? 60_000;
    this.#sweep = setInterval(() => this.#closeIdle(Date.now() - idleMs), Math.max(1_000, idleMs / 2));
    this.#sweep.unref();
  }

  /** Open pools (metrics, tests). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * One POST; resolves with the status and the capped body, rejects when no answer came (the
   * egress policy refused the connection, the agent is unreachable, or `AgentTimeoutError`).
   */
  async post(post: AgentPost, responseLimit: number): Promise<AgentAnswer> {
    const url = new URL(post.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not an http(s) URL');
    // As fetch does: credentials in the URL are not sent anywhere.
    if (url.username || url.password) throw new Error('agent URL includes credentials');
    const pool = this.#poolFor(post.agentKey, url.origin);
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new AgentTimeoutError(`no answer within ${post.timeoutMs} ms`));
    }, post.timeoutMs);
    try {
      const response = await pool.request({
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: post.headers,
        body: post.payload,
        signal: abort.signal,
      });
      const declared = Number(response.headers['content-length']);
      const body = await readCappedStream(response.body, declared, responseLimit);
      return { status: response.statusCode, body };
    } catch (error) {
      if (timedOut) throw new AgentTimeoutError(`no answer within ${post.timeoutMs} ms`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes every pool (hub shutdown): deliveries in flight finish first. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    const pools = [...this.#entries.values()].map((entry) => entry.pool);
    this.#entries.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }

  #poolFor(agentKey: string, origin: string): Pool {
    if (this.#closed) throw new Error('agent delivery pools are closed');
    const now = Date.now();
    const entry = this.#entries.get(agentKey);
    if (entry && entry.origin === origin) {
      entry.lastUsedAt = now;
      return entry.pool;
    }
    // The agent's URL moved to another origin: nothing more goes to the old one.
    if (entry) void entry.pool.close().catch(() => undefined);
    const pool = new Pool(origin, {
      connect: this.#connect,
      connections: this.#options.connectionsPerAgent ?? 32,
      // POSTs are not idempotent: one request per connection at a time.
      pipelining: 1,
    });
    this.#entries.set(agentKey, { origin, pool, lastUsedAt: now });
    return pool;
  }

  #closeIdle(before: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.lastUsedAt < before) {
        this.#entries.delete(key);
        void entry.pool.close().catch(() => undefined);
      }
    }
  }
}
