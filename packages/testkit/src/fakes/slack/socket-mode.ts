import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

/** One acknowledgement a Socket Mode client sent back: `{ envelope_id, payload? }`. */
export interface FakeSocketAck {
  envelopeId: string;
  /** The ack's `payload`, if any (`SocketModeClient` always sends `{}`). */
  payload?: unknown;
}

export interface FakeSocketPushOptions {
  /** Defaults to a fresh UUID; reuse one to imitate a redelivered envelope. */
  envelopeId?: string;
  /** Slack counts redeliveries here; 0 on the first delivery. */
  retryAttempt?: number;
  /** e.g. `timeout` on a redelivery; empty on the first delivery. */
  retryReason?: string;
  /** How long to wait for the ack; defaults to the fake's `ackTimeoutMs`. */
  timeoutMs?: number;
}

/** The Socket Mode wire messages Slack sends, as JSON values (so tests can compare them). */
export type FakeSocketServerMessage =
  | {
      type: 'hello';
      num_connections: number;
      debug_info: { host: string; build_number: number; approximate_connection_time: number };
      connection_info: { app_id: string };
    }
  | { type: 'disconnect'; reason: string; debug_info: { host: string } }
  | {
      envelope_id: string;
      payload: unknown;
      type: 'events_api';
      accepts_response_payload: false;
      retry_attempt: number;
      retry_reason: string;
    };

interface PendingAck {
  socket: WebSocket;
  resolve(ack: FakeSocketAck): void;
  reject(error: Error): void;
}

const HOST = 'applink-fake-1';

/**
 * The WebSocket half of the fake: single-use tickets from `apps.connections.open`, `hello` on
 * connect, `events_api` envelopes out and `{ envelope_id }` acks in. Attached to the Web API's HTTP
 * server through its `upgrade` event, so both share one port.
 */
export class FakeSocketMode {
  readonly acks: FakeSocketAck[] = [];
  /** Every message a client sent over any socket, parsed (acks included). */
  readonly received: unknown[] = [];
  connectCount = 0;
  readonly #appId: string;
  readonly #ackTimeoutMs: number;
  readonly #wss = new WebSocketServer({ noServer: true });
  /** Insertion order, so the last entry is the newest connection. */
  readonly #open = new Set<WebSocket>();
  readonly #tickets = new Set<string>();
  readonly #pending = new Map<string, PendingAck[]>();
  readonly #countWatchers = new Set<() => void>();
  #refuse = false;
  #sendHello = true;

  constructor(appId: string, ackTimeoutMs: number) {
    this.#appId = appId;
    this.#ackTimeoutMs = ackTimeoutMs;
  }

  /** A WebSocket URL with a fresh ticket, as `apps.connections.open` answers it. */
  issueUrl(port: number): string {
    const ticket = randomUUID();
    this.#tickets.add(ticket);
    return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${this.#appId}`;
  }

  get openCount(): number {
    return this.#open.size;
  }

  refuse(refuse: boolean): void {
    this.#refuse = refuse;
  }

  withholdHello(withhold: boolean): void {
    this.#sendHello = !withhold;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.#refusal(req);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  /** The HTTP status line an upgrade is refused with, or undefined to accept it. */
  #refusal(req: IncomingMessage): string | undefined {
    const url = new URL(req.url ?? '/', 'ws://fake-slack');
    if (url.pathname !== '/link/') return '404 Not Found';
    if (this.#refuse) return '503 Service Unavailable';
    // Tickets are single use, like Slack's: a client must call apps.connections.open per connection.
    const ticket = url.searchParams.get('ticket');
    if (!ticket || !this.#tickets.delete(ticket)) return '401 Unauthorized';
    return undefined;
  }

  /** Sends one `events_api` envelope to the newest open socket; resolves with its ack. */
  push(payload: unknown, options: FakeSocketPushOptions = {}): Promise<FakeSocketAck> {
    const socket = [...this.#open].at(-1);
    if (!socket) return Promise.reject(new Error('fake Slack has no open Socket Mode connection'));
    const envelopeId = options.envelopeId ?? randomUUID();
    const timeoutMs = options.timeoutMs ?? this.#ackTimeoutMs;
    const acked = new Promise<FakeSocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#forget(envelopeId, entry);
        reject(new Error(`no ack for envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const entry: PendingAck = {
        socket,
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#pending.set(envelopeId, [...(this.#pending.get(envelopeId) ?? []), entry]);
    });
    send(socket, {
      envelope_id: envelopeId,
      payload,
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: options.retryAttempt ?? 0,
      retry_reason: options.retryReason ?? '',
    });
    return acked;
  }

  /** Slack's way of rotating a connection: a `disconnect` message, then the close. */
  disconnectAll(reason: string): Promise<void> {
    for (const socket of this.#open) {
      send(socket, { type: 'disconnect', reason, debug_info: { host: HOST } });
      socket.close(1000, reason);
    }
    return this.waitForCount(0);
  }

  /** A network drop: the TCP connection ends without a disconnect message or close frame. */
  dropAll(): Promise<void> {
    for (const socket of this.#open) socket.terminate();
    return this.waitForCount(0);
  }

  /** Resolves once exactly `count` sockets are open (event driven, no polling). */
  waitForCount(count: number, timeoutMs = this.#ackTimeoutMs): Promise<void> {
    if (this.#open.size === count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#countWatchers.delete(check);
        reject(new Error(`expected ${count} open sockets, still ${this.#open.size} after ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (this.#open.size !== count) return;
        clearTimeout(timer);
        this.#countWatchers.delete(check);
        resolve();
      };
      this.#countWatchers.add(check);
    });
  }

  close(): Promise<void> {
    for (const socket of this.#open) socket.terminate();
    return new Promise((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(socket: WebSocket): void {
    this.connectCount += 1;
    this.#open.add(socket);
    this.#notifyCount();
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    socket.on('close', () => {
      this.#open.delete(socket);
      this.#failPendingOn(socket);
      this.#notifyCount();
    });
    if (this.#sendHello) {
      send(socket, {
        type: 'hello',
        num_connections: this.#open.size,
        debug_info: { host: HOST, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.#appId },
      });
    }
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    this.received.push(message);
    if (typeof message !== 'object' || message === null || !('envelope_id' in message)) return;
    const envelopeId = message.envelope_id;
    if (typeof envelopeId !== 'string') return;
    const ack: FakeSocketAck = { envelopeId, ...('payload' in message ? { payload: message.payload } : {}) };
    this.acks.push(ack);
    const waiting = this.#pending.get(envelopeId) ?? [];
    this.#pending.delete(envelopeId);
    for (const entry of waiting) entry.resolve(ack);
  }

  #failPendingOn(socket: WebSocket): void {
    for (const [envelopeId, entries] of this.#pending) {
      for (const entry of entries.filter((candidate) => candidate.socket === socket)) {
        this.#forget(envelopeId, entry);
        entry.reject(new Error(`socket closed before envelope ${envelopeId} was acked`));
      }
    }
  }

  #forget(envelopeId: string, entry: PendingAck): void {
    const rest = (this.#pending.get(envelopeId) ?? []).filter((candidate) => candidate !== entry);
    if (rest.length > 0) this.#pending.set(envelopeId, rest);
    else this.#pending.delete(envelopeId);
  }

  #notifyCount(): void {
    for (const watcher of [...this.#countWatchers]) watcher();
  }
}

function send(socket: WebSocket, message: FakeSocketServerMessage): void {
  socket.send(JSON.stringify(message));
}
