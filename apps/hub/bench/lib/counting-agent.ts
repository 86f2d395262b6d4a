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
  /** performance.now() of the last new delivery. */
  lastAt(): number;
  close(): Promise<void>;
}

/**
 * The agent end of the pipeline: answers every delivery 200 at once and counts them. It does no
 * work of its own, so what the benchmark sees is the hub's delivery rate, not the agent's.
 */
export async function startCountingAgent(secret = 'bench-agent-secret-0001'): Promise<CountingAgent> {
  const seen = new Set<string>();
  let requests = 0;
  let lastAt = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      const id = String(req.headers['x-switchboard-delivery'] ?? '');
      if (!seen.has(id)) {
        seen.add(id);
        lastAt = performance.now();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/deliver`,
    secret,
    distinct: () => seen.size,
    requests: () => requests,
    lastAt: () => lastAt,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
