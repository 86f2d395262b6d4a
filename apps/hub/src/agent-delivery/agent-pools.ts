import { Pool } from 'undici';
import { type EgressPolicy, guardedConnector, type NameResolver } from '../egress/index.js';
import { type CappedBody, readCappedStream } from './read-capped.js';

export interface AgentPoolOptions {
  /** Every connection a pool opens is checked against this (after DNS, on the real address). */
  egress: EgressPolicy;
  /** Sockets per origin: deliveries beyond this wait in the pool's queue (default 32). */
  connectionsPerOrigin?: number;
  /** A pool no delivery used for this long is closed (default 60 s); the next one opens anew. */
  idleCloseMs?: number;
  /** Name resolution (default the system resolver); tests stand in for DNS here. */
  resolve?: NameResolver;
}

export interface AgentPost {
  /** Who delivers (the agent's id): its former origin's pool is closed when its URL moves. */
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
  pool: Pool;
  /** The agents whose current URL is at this origin. */
  agents: Set<string>;
  lastUsedAt: number;
}

/**
 * Keep-alive HTTP pools for agent deliveries, one per origin, through undici's `request` (no
 * WHATWG Request/stream layer per delivery). A delivery always goes to the pool of its URL's
 * origin, so a signed delivery never rides a connection to another host; agents of one origin
 * (a platform hosting many agents) share its connections, as they did through one `fetch`
 * dispatcher. When an agent's URL moves to another origin, the old origin's pool is closed once
 * no other agent delivers there. Redirects are never followed (`request` has no redirect
 * handling), bodies are read up to `responseLimit`.
 */
export class AgentPools {
  readonly #options: AgentPoolOptions;
  readonly #connect: ReturnType<typeof guardedConnector>;
  readonly #pools = new Map<string, PoolEntry>();
  /** Each agent's current origin. */
  readonly #origins = new Map<string, string>();
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
    return this.#pools.size;
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
    const pools = [...this.#pools.values()].map((entry) => entry.pool);
    this.#pools.clear();
    this.#origins.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }

  #poolFor(agentKey: string, origin: string): Pool {
    if (this.#closed) throw new Error('agent delivery pools are closed');
    const now = Date.now();
    const previous = this.#origins.get(agentKey);
    if (previous !== origin) {
      this.#origins.set(agentKey, origin);
      // The agent's URL moved: its former origin keeps a pool only while other agents use it.
      const left = previous === undefined ? undefined : this.#pools.get(previous);
      if (left) {
        left.agents.delete(agentKey);
        if (left.agents.size === 0) this.#closeEntry(previous as string, left);
      }
    }
    let entry = this.#pools.get(origin);
    if (!entry) {
      entry = {
        pool: new Pool(origin, {
          connect: this.#connect,
          connections: this.#options.connectionsPerOrigin ?? 32,
          // POSTs are not idempotent: one request per connection at a time.
          pipelining: 1,
        }),
        agents: new Set(),
        lastUsedAt: now,
      };
      this.#pools.set(origin, entry);
    }
    entry.agents.add(agentKey);
    entry.lastUsedAt = now;
    return entry.pool;
  }

  #closeIdle(before: number): void {
    for (const [origin, entry] of this.#pools) if (entry.lastUsedAt < before) this.#closeEntry(origin, entry);
  }

  /** Deliveries already queued in the pool still finish; nothing new is given to it. */
  #closeEntry(origin: string, entry: PoolEntry): void {
    this.#pools.delete(origin);
    for (const agent of entry.agents) if (this.#origins.get(agent) === origin) this.#origins.delete(agent);
    void entry.pool.close().catch(() => undefined);
  }
}
