import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentPools } from '../../src/agent-delivery/agent-pools.js';
import { postToAgent } from '../../src/agent-delivery/agent-webhook.js';
import { verifyBodySignature } from '../../src/agent-delivery/signature.js';
import { EgressPolicy, type NameResolver } from '../../src/egress/index.js';

const SECRET = 'agent-secret-0123456789abcdef';
const LOOPBACK_ALLOWED = new EgressPolicy({ allow: ['127.0.0.1'] });

/** A real agent server that counts what reached it: requests per path, sockets, concurrency. */
interface CountingServer {
  port: number;
  url(path?: string): string;
  requests: { path: string; signatureValid: boolean }[];
  connections: number;
  openSockets: number;
  maxInFlight: number;
  close(): Promise<void>;
}

async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void> = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"sessionId":"s-1"}');
  },
): Promise<CountingServer> {
  let inFlight = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const signature = req.headers['x-switchboard-signature'];
    state.requests.push({
      path: req.url ?? '',
      signatureValid: verifyBodySignature(
        SECRET,
        typeof signature === 'string' ? signature : undefined,
        Buffer.concat(chunks),
      ),
    });
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    await handle(req, res);
  });
  // Idle connections stay open for two minutes: a closed one was closed by the pools.
  server.keepAliveTimeout = 120_000;
  server.on('connection', (socket: Socket) => {
    state.connections++;
    state.openSockets++;
    socket.on('close', () => state.openSockets--);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const state: CountingServer = {
    port,
    url: (path = '/agent') => `http://127.0.0.1:${port}${path}`,
    requests: [],
    connections: 0,
    openSockets: 0,
    maxInFlight: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}

const body = {
  type: 'message' as const,
  id: 'd-1',
  installationId: 'i',
  workspaceId: 'w',
  channelType: 'echo',
  message: {} as never,
  user: { id: 'u', username: 'u' },
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function pools(options: Partial<ConstructorParameters<typeof AgentPools>[0]> = {}): AgentPools {
  const created = new AgentPools({ egress: LOOPBACK_ALLOWED, ...options });
  cleanups.push(() => created.close());
  return created;
}

async function server(handle?: Parameters<typeof startServer>[0]): Promise<CountingServer> {
  const started = await startServer(handle);
  cleanups.push(() => started.close());
  return started;
}

describe('agent delivery through keep-alive pools', () => {
  it('delivers signed requests over kept-alive connections', async () => {
    const agent = await server();
    const transport = pools();
    for (let i = 0; i < 10; i++) {
      const result = await postToAgent({
        url: agent.url(),
        secret: SECRET,
        body: { ...body, id: `d-${i}` },
        timeoutMs: 5_000,
        pools: transport,
        agentKey: 'agent-1',
      });
      expect(result).toEqual({ ok: true, status: 200, sessionId: 's-1' });
    }
    expect(agent.requests).toHaveLength(10);
    expect(agent.requests.every((request) => request.signatureValid)).toBe(true);
    // undici may open a second socket while the first is still settling its first answer; after
    // that, every delivery rides an open connection.
    expect(agent.connections).toBeLessThanOrEqual(2);
  });

  it('bounds the connections per origin; deliveries beyond the bound wait their turn', async () => {
    const agent = await server(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.writeHead(200).end();
    });
    const transport = pools({ connectionsPerOrigin: 2 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        postToAgent({
          url: agent.url(),
          secret: SECRET,
          body: { ...body, id: `d-${i}` },
          timeoutMs: 10_000,
          pools: transport,
          agentKey: 'agent-1',
        }),
      ),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(agent.requests).toHaveLength(12);
    expect(agent.connections).toBeLessThanOrEqual(2);
    expect(agent.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('refuses a host name that resolves to a private address when the delivery is sent', async () => {
    let address = '127.0.0.1';
    // Stands in for DNS: the name resolves to whatever `address` is at connect time.
    const resolve: NameResolver = (_hostname, _options, callback) => callback(null, [{ address, family: 4 }]);
    // Every answer closes its connection, so each delivery opens (and resolves) anew.
    const closing = await server((_req, res) => {
      res.writeHead(200, { connection: 'close' }).end();
    });
    const transport = pools({ resolve });
    const send = (port: number) =>
      postToAgent({
        url: `http://agent.example.test:${port}/agent`,
        secret: SECRET,
        body,
        timeoutMs: 5_000,
        pools: transport,
        agentKey: 'agent-1',
      });

    expect(await send(closing.port)).toMatchObject({ ok: true, status: 200 });
    // The same name now points into the private network (DNS rebinding).
    address = '10.0.0.7';
    const refused = await send(closing.port);
    expect(refused).toMatchObject({ ok: false, permanent: true });
    if (!refused.ok) expect(refused.error).toMatch(/^egress refused: .*private.*agent\.example\.test/);
    expect(closing.requests).toHaveLength(1);
  });

  it('refuses loopback by default, for names and IP literals alike', async () => {
    const agent = await server();
    const transport = pools({ egress: new EgressPolicy() });
    for (const url of [agent.url(), `http://localhost:${agent.port}/agent`]) {
      const result = await postToAgent({
        url,
        secret: SECRET,
        body,
        timeoutMs: 5_000,
        pools: transport,
        agentKey: url,
      });
      expect(result).toMatchObject({ ok: false, permanent: true, error: expect.stringMatching(/loopback/) });
    }
    expect(agent.requests).toHaveLength(0);
  });

  it('does not follow redirects', async () => {
    const agent = await server((req, res) => {
      if (req.url === '/agent') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200).end();
    });
    const result = await postToAgent({
      url: agent.url(),
      secret: SECRET,
      body,
      timeoutMs: 5_000,
      pools: pools(),
      agentKey: 'agent-1',
    });
    expect(result).toEqual({ ok: false, status: 302, error: 'agent answered HTTP 302' });
    expect(agent.requests.map((request) => request.path)).toEqual(['/agent']);
  });

  it('fails an answer larger than 1 MiB, declared or streamed', async () => {
    const agent = await server((req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 32);
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
        res.write(chunk);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const pump = () => {
        while (sent < 2 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const transport = pools();
    for (const path of ['/declared', '/streamed']) {
      const result = await postToAgent({
        url: agent.url(path),
        secret: SECRET,
        body,
        timeoutMs: 5_000,
        pools: transport,
        agentKey: path,
      });
      expect(result).toEqual({ ok: false, status: 200, error: 'agent response body exceeds 1048576 bytes' });
    }
  });

  it('times out an agent that does not answer', async () => {
    const agent = await server(() => undefined);
    const result = await postToAgent({
      url: agent.url(),
      secret: SECRET,
      body,
      timeoutMs: 200,
      pools: pools(),
      agentKey: 'agent-1',
    });
    expect(result).toEqual({ ok: false, error: 'agent did not answer within 200 ms' });
  });

  it('gives a changed agent URL a new pool and closes the old one', async () => {
    const before = await server();
    const after = await server();
    const transport = pools();
    const send = (url: string) =>
      postToAgent({ url, secret: SECRET, body, timeoutMs: 5_000, pools: transport, agentKey: 'agent-1' });

    expect((await send(before.url())).ok).toBe(true);
    expect(before.openSockets).toBe(1);
    expect((await send(after.url())).ok).toBe(true);
    expect(before.requests).toHaveLength(1);
    expect(after.requests).toHaveLength(1);
    expect(transport.size).toBe(1);
    // The old pool's keep-alive connection is closed, not left for the next delivery.
    await vi.waitFor(() => expect(before.openSockets).toBe(0), { timeout: 5_000 });
  });

  it('shares an origin between agents, and keeps it open while another agent still delivers there', async () => {
    const shared = await server();
    const elsewhere = await server();
    const transport = pools();
    const send = (agentKey: string, url: string) =>
      postToAgent({ url, secret: SECRET, body, timeoutMs: 5_000, pools: transport, agentKey });

    expect((await send('agent-1', shared.url('/one'))).ok).toBe(true);
    expect((await send('agent-2', shared.url('/two'))).ok).toBe(true);
    expect(transport.size).toBe(1);
    // agent-1 moves away: agent-2 still delivers to the shared origin over its open pool.
    expect((await send('agent-1', elsewhere.url())).ok).toBe(true);
    expect(transport.size).toBe(2);
    expect((await send('agent-2', shared.url('/two'))).ok).toBe(true);
    expect(shared.requests.map((request) => request.path)).toEqual(['/one', '/two', '/two']);
    expect(elsewhere.requests.map((request) => request.path)).toEqual(['/agent']);
    // Now agent-2 leaves too: nobody delivers there, so its pool and connections are closed.
    expect((await send('agent-2', elsewhere.url())).ok).toBe(true);
    expect(transport.size).toBe(1);
    await vi.waitFor(() => expect(shared.openSockets).toBe(0), { timeout: 5_000 });
  });

  it('closes every connection when the pools close (hub shutdown)', async () => {
    const agent = await server();
    const transport = new AgentPools({ egress: LOOPBACK_ALLOWED });
    expect(
      (
        await postToAgent({
          url: agent.url(),
          secret: SECRET,
          body,
          timeoutMs: 5_000,
          pools: transport,
          agentKey: 'a',
        })
      ).ok,
    ).toBe(true);
    expect(agent.openSockets).toBe(1);
    await transport.close();
    await vi.waitFor(() => expect(agent.openSockets).toBe(0), { timeout: 5_000 });
    expect(transport.size).toBe(0);
  });
});
