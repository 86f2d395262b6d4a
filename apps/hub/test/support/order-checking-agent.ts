import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An agent that checks conversation order itself. Message texts are `<conversation>#<index>`,
 * sent in index order per conversation; the agent accepts (2xx) each index at most once and
 * counts a violation whenever it is offered an index other than the next one it expects while
 * an earlier one is still missing. It fails `failureRate` of the requests at random (503).
 */
export interface OrderCheckingAgent {
  url: string;
  /** Accepted indexes per conversation, in acceptance order. */
  accepted: Map<string, number[]>;
  violations: number;
  /** Requests for an index already accepted (a redelivery): allowed, answered 200. */
  repeats: number;
  requests: number;
  setFailureRate(rate: number): void;
  /** Answers every request 503 while true (an outage). */
  setDown(down: boolean): void;
  acceptedCount(): number;
  close(): Promise<void>;
}

export async function startOrderCheckingAgent(
  options: { failureRate?: number } = {},
): Promise<OrderCheckingAgent> {
  let failureRate = options.failureRate ?? 0;
  let down = false;
  const accepted = new Map<string, number[]>();
  const state = { violations: 0, repeats: 0, requests: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    state.requests++;
    let text = '';
    try {
      text = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).message?.text ?? '');
    } catch {
      // not a delivery
    }
    const [conversation, indexText] = text.split('#');
    const index = Number(indexText);
    if (down || Math.random() < failureRate) {
      res.writeHead(503).end();
      return;
    }
    if (conversation && Number.isInteger(index)) {
      const seen = accepted.get(conversation) ?? [];
      if (seen.includes(index)) state.repeats++;
      else {
        if (index !== seen.length) state.violations++;
        seen.push(index);
        accepted.set(conversation, seen);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/deliver`,
    accepted,
    get violations() {
      return state.violations;
    },
    get repeats() {
      return state.repeats;
    },
    get requests() {
      return state.requests;
    },
    setFailureRate: (rate) => {
      failureRate = rate;
    },
    setDown: (value) => {
      down = value;
    },
    acceptedCount: () => [...accepted.values()].reduce((sum, list) => sum + list.length, 0),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
