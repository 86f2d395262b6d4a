import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError, HubClient } from '../../src/cli/client.js';
import type { HubTarget } from '../../src/cli/target.js';

const target = (url: string): HubTarget => ({
  url,
  token: 'sb_test',
  operator: false,
  via: 'remote',
  close: async () => {},
});

/** A hub stand-in that pages 250 agents 100 at a time, as the admin API does. */
function pagedServer(total: number, endless = false): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const items = Array.from({ length: Math.min(100, total - start) }, (_, i) => ({
      name: `agent-${start + i}`,
    }));
    const next = endless || start + 100 < total ? String(start + 100) : null;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ items, nextCursor: next, agents: items }));
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('CLI lists', () => {
  let paged: Server;
  let endless: Server;
  let pagedUrl: string;
  let endlessUrl: string;
  beforeAll(async () => {
    paged = pagedServer(250);
    endless = pagedServer(100, true);
    pagedUrl = await listen(paged);
    endlessUrl = await listen(endless);
  });
  afterAll(() => {
    paged.close();
    endless.close();
  });

  it('read every page, not only the first', async () => {
    const client = new HubClient(target(pagedUrl));
    const items = await client.listAll('/api/v1/workspaces/w/agents', 'agents');
    expect(items).toHaveLength(250);
    expect(new Set(items.map((item) => item.name)).size).toBe(250);
    expect(await client.list('/api/v1/workspaces/w/agents', 'agents')).toHaveLength(100);
  });

  it('stop with a clear error when the hub keeps answering a cursor', async () => {
    const client = new HubClient(target(endlessUrl));
    await expect(client.listAll('/api/v1/workspaces/w/agents?limit=100', 'agents', 5)).rejects.toThrow(
      new CliError('the list at /api/v1/workspaces/w/agents?limit=100 has more than 5 pages; narrow it down'),
    );
  });
});
