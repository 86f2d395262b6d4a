import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SECRET = 'agent-delivery-secret-0001';
export const NOW_MS = 1_764_650_000_000;
export const INSTALLATION = '0b9c3c1e-6f0e-4d53-9b8c-2a7f7b1f0a01';

/** A `message` delivery shaped like the hub's (`apps/hub` delivery body). */
export function messageDelivery(
  overrides: Record<string, unknown> = {},
  message: Record<string, unknown> = {},
) {
  return {
    type: 'message',
    id: 'f3f1d7a2-5c55-4c1e-9d43-0d4c5e0c0001',
    installationId: INSTALLATION,
    workspaceId: 'ws-1',
    channelType: 'slack',
    message: {
      platformMessageId: '1760000001.000001',
      source: {
        channelType: 'slack',
        installationId: INSTALLATION,
        chatId: 'D0DM00001',
        chatType: 'direct',
        sender: { id: 'U0ALICE01', isBot: false, isExternal: false },
      },
      msgType: 'text',
      text: 'hello',
      media: [],
      mentions: [],
      mentionsBot: false,
      sentAt: '2026-12-02T05:00:00.000Z',
      ...message,
    },
    user: { id: 'user-1', username: 'alice' },
    ...overrides,
  };
}

/** Signs like the hub, written independently of the SDK so the two check each other. */
export function hubSignature(body: string, nowMs = NOW_MS, secret = SECRET): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export function signedRequest(body: unknown, nowMs = NOW_MS, secret = SECRET) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    raw,
    headers: {
      'content-type': 'application/json',
      'x-switchboard-signature': hubSignature(raw, nowMs, secret),
    },
  };
}

export interface RecordedSend {
  installationId: string;
  signatureValid: boolean;
  body: any;
}

/**
 * The hub's outbound API on a real port: checks the agent's signature over the raw body, keeps
 * one message per idempotency key (like the hub) and answers 202, or what `failNext` says.
 */
export async function startFakeHub(secret = SECRET) {
  const sends: RecordedSend[] = [];
  const keys = new Map<string, string>();
  const failures: number[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const match = /^\/api\/v1\/installations\/([^/]+)\/messages$/.exec(req.url ?? '');
    const header = String(req.headers['x-switchboard-signature'] ?? '');
    const t = /^t=(\d+),/.exec(header)?.[1] ?? '';
    const expected = `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex')}`;
    const failure = failures.shift();
    if (!match || req.method !== 'POST' || failure !== undefined) {
      res.writeHead(failure ?? 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'try again later' } }));
      return;
    }
    const body = JSON.parse(raw);
    sends.push({
      installationId: decodeURIComponent(match[1] as string),
      signatureValid: header === expected,
      body,
    });
    const existing = keys.get(body.idempotencyKey);
    const id = existing ?? `00000000-0000-4000-8000-${String(keys.size + 1).padStart(12, '0')}`;
    keys.set(body.idempotencyKey, id);
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, status: 'queued', created: existing === undefined }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sends,
    /** Distinct messages the hub would post. */
    messages: () => new Set(keys.keys()),
    failNext: (...statuses: number[]) => failures.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type FakeHub = Awaited<ReturnType<typeof startFakeHub>>;
