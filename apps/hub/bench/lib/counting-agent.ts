import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingAgent {
  url: string;
  secret: string;
  /** Distinct delivery ids answered 200 (a retried delivery counts once). */
  distinct(): number;
  /** Every delivery request, repeats included. */
  requests(): number;
  /** Distinct deliveries of one load run (`load <run> <n>` texts), and when the last one came. */
  ofRun(run: string): { distinct: number; lastAt: number };
  /** performance.now() of the last new delivery. */
  lastAt(): number;
  /** While down, every delivery is answered 503 (an agent outage). */
  setDown(down: boolean): void;
  /**
   * Deliveries accepted after a later event of the same chat had been accepted. Events are
   * numbered in the order the load generator sent them (`load <run> <n>`), one chat's events far enough
   * apart that they are never in flight together, so the right count is 0.
   */
  orderViolations(): number;
  close(): Promise<void>;
}

const LOAD_NUMBER = /load (\S+) (\d+)/;

/**
 * The agent end of the pipeline: answers every delivery 200 at once and counts them. It does no
 * work of its own, so what the benchmark sees is the hub's delivery rate, not the agent's.
 */
export async function startCountingAgent(secret = 'bench-agent-secret-0001'): Promise<CountingAgent> {
  const seen = new Set<string>();
  const newestByChat = new Map<string, number>();
  const runs = new Map<string, { distinct: number; lastAt: number }>();
  let requests = 0;
  let lastAt = 0;
  let down = false;
  let violations = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests++;
      if (down) {
        res.writeHead(503).end();
        return;
      }
      const id = String(req.headers['x-switchboard-delivery'] ?? '');
      if (!seen.has(id)) {
        seen.add(id);
        lastAt = performance.now();
        checkOrder(Buffer.concat(chunks).toString('utf8'));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const checkOrder = (body: string) => {
    try {
      const message = JSON.parse(body).message as { text?: string; source?: { chatId?: string } };
      const match = LOAD_NUMBER.exec(message.text ?? '');
      const n = Number(match?.[2]);
      const chat = message.source?.chatId && match ? `${message.source.chatId}/${match[1]}` : undefined;
      if (!match || !Number.isFinite(n)) return;
      const run = runs.get(match[1] ?? '') ?? { distinct: 0, lastAt: 0 };
      runs.set(match[1] ?? '', { distinct: run.distinct + 1, lastAt: performance.now() });
      if (!chat) return;
      const newest = newestByChat.get(chat);
      if (newest !== undefined && n < newest) violations++;
      else newestByChat.set(chat, n);
    } catch {
      // Not a message delivery; nothing to check.
    }
  };
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/deliver`,
    secret,
    distinct: () => seen.size,
    requests: () => requests,
    lastAt: () => lastAt,
    ofRun: (run) => runs.get(run) ?? { distinct: 0, lastAt: 0 },
    setDown: (value) => {
      down = value;
    },
    orderViolations: () => violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
