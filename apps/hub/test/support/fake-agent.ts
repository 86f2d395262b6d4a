import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyBodySignature } from '../../src/agent-delivery/signature.js';

export type Delivery = { deliveryId: string; signatureValid: boolean; body: any };

export type AgentBehaviour =
  | { status: number }
  /** Never answers (the hub's timeout must fire). */
  | { hang: true }
  /** Answers `status` after a pause. */
  | { status: number; delayMs: number }
  | { status: 200; sessionId: string };

/**
 * An agent on a real HTTP port: checks the hub's signature, records every delivery (repeats
 * included) and answers as told: by default 200, or a queued behaviour per request.
 */
export interface FakeAgent {
  url: string;
  secret: string;
  deliveries: Delivery[];
  /** Distinct delivery ids that were answered 2xx. */
  delivered(): Set<string>;
  /** Queues behaviours for the next requests, in order. */
  next(...behaviours: AgentBehaviour[]): void;
  /** Answers every request this way until changed (default 200). */
  always(behaviour: AgentBehaviour): void;
  /** TCP connections the hub opened so far, and how many are open now (keep-alive checks). */
  sockets(): { accepted: number; open: number };
  close(): Promise<void>;
}

export async function startFakeAgent(
  secret = 'agent-delivery-secret-0001',
  options: { keepAliveMs?: number } = {},
): Promise<FakeAgent> {
  const deliveries: Delivery[] = [];
  const ok = new Set<string>();
  const queue: AgentBehaviour[] = [];
  let standing: AgentBehaviour = { status: 200 };
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const deliveryId = String(req.headers['x-switchboard-delivery'] ?? '');
    const signature = req.headers['x-switchboard-signature'];
    deliveries.push({
      deliveryId,
      signatureValid: verifyBodySignature(secret, typeof signature === 'string' ? signature : undefined, raw),
      body: JSON.parse(raw.toString('utf8')),
    });
    const behaviour = queue.shift() ?? standing;
    if ('hang' in behaviour) return;
    if ('delayMs' in behaviour) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.status >= 200 && behaviour.status < 300) ok.add(deliveryId);
    res.writeHead(behaviour.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify('sessionId' in behaviour ? { sessionId: behaviour.sessionId } : { ok: true }));
  });
  // A long keep-alive lets a test tell the hub closing a connection from the server timing it out.
  if (options.keepAliveMs) server.keepAliveTimeout = options.keepAliveMs;
  const sockets = { accepted: 0, open: 0 };
  server.on('connection', (socket) => {
    sockets.accepted++;
    sockets.open++;
    socket.on('close', () => sockets.open--);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/deliver`,
    secret,
    deliveries,
    delivered: () => new Set(ok),
    next: (...behaviours) => queue.push(...behaviours),
    always: (behaviour) => {
      standing = behaviour;
    },
    sockets: () => ({ ...sockets }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
