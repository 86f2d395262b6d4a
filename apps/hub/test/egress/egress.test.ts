import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToAgent } from '../../src/agent-delivery/agent-webhook.js';
import { classifyAddress, EgressPolicy, egressFetch } from '../../src/egress/index.js';

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it('is undefined for host names', () => {
    expect(classifyAddress('example.com')).toBeUndefined();
  });
});

describe('egress policy', () => {
  const strict = new EgressPolicy();

  it.each([
    'http://127.0.0.1:9/agent',
    'http://10.0.0.5/agent',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8080/',
    'http://[fd00::1]/',
    'http://localhost:3000/',
    'http://api.localhost/',
    'http://[::ffff:10.0.0.1]/',
    'ftp://example.com/',
    'not a url',
  ])('refuses %s by default', (url) => {
    const verdict = strict.checkUrl(url);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error.code).toBe('egress_refused');
  });

  it('accepts public addresses and names (names are judged again at connect time)', () => {
    expect(strict.checkUrl('https://slack.com/api/').ok).toBe(true);
    expect(strict.checkUrl('https://93.184.215.14/').ok).toBe(true);
  });

  it('opens exactly what the operator allows: hosts, addresses and CIDRs', () => {
    const policy = EgressPolicy.fromEnv({ SWITCHBOARD_EGRESS_ALLOW: 'localhost, 10.1.0.0/16,::1' });
    expect(policy.checkUrl('http://localhost:3000/').ok).toBe(true);
    expect(policy.checkUrl('http://10.1.200.3/').ok).toBe(true);
    expect(policy.checkUrl('http://[::1]/').ok).toBe(true);
    expect(policy.checkUrl('http://10.2.0.1/').ok).toBe(false);
    expect(policy.checkUrl('http://127.0.0.1/').ok).toBe(false);
    expect(policy.checkUrl('http://169.254.169.254/').ok).toBe(false);
  });
});

describe('connect-time checks', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 32);
        let sent = 0;
        const pump = () => {
          while (sent < 2 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"sessionId":"s-1"}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const body = {
    type: 'message' as const,
    id: 'd-1',
    installationId: 'i',
    workspaceId: 'w',
    channelType: 'echo',
    message: {} as never,
    user: { id: 'u', username: 'u' },
  };

  it('refuses a name that resolves to loopback when the socket connects (no DNS rebinding past the check)', async () => {
    // The name passes no allow-list; only the resolved address gives it away.
    const policy = new EgressPolicy({ allow: ['127.0.0.2'] });
    const result = await postToAgent({
      url: `http://localhost:${port}/agent`,
      secret: 'agent-secret-0123456789abcdef',
      body,
      timeoutMs: 2_000,
      fetch: egressFetch(policy),
    });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.error).toMatch(/^egress refused: .*loopback/);
  });

  it('refuses an IP literal at connect time too', async () => {
    await expect(egressFetch(new EgressPolicy())(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      cause: { code: 'egress_refused' },
    });
  });

  it('connects where the allow-list opens it', async () => {
    const result = await postToAgent({
      url: `http://127.0.0.1:${port}/agent`,
      secret: 'agent-secret-0123456789abcdef',
      body,
      timeoutMs: 2_000,
      fetch: egressFetch(new EgressPolicy({ allow: ['127.0.0.1'] })),
    });
    expect(result).toEqual({ ok: true, status: 200, sessionId: 's-1' });
  });

  it('fails a delivery whose answer is larger than 1 MiB, with a clear error', async () => {
    const result = await postToAgent({
      url: `http://127.0.0.1:${port}/huge`,
      secret: 'agent-secret-0123456789abcdef',
      body,
      timeoutMs: 5_000,
      fetch: egressFetch(new EgressPolicy({ allow: ['127.0.0.1'] })),
    });
    expect(result).toEqual({ ok: false, status: 200, error: 'agent response body exceeds 1048576 bytes' });
  });

  it('never sends an unsigned delivery', async () => {
    const result = await postToAgent({
      url: `http://127.0.0.1:${port}/agent`,
      secret: null,
      body,
      timeoutMs: 2_000,
      fetch: egressFetch(new EgressPolicy({ allow: ['127.0.0.1'] })),
    });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/no delivery secret/) });
  });
});
