import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signBody } from '../../src/agent-delivery/signature.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const ECHO_SECRET = 'echo-signing-secret-0001';

describe.each(testDatabaseKinds())('typed API [%s]', (kind) => {
  let hub: HubFixture;
  let token: string;
  let userId: string;
  const ws = 'paged-ws';
  const agentIds: string[] = [];
  const installationIds: string[] = [];
  let agentSecret: string;

  beforeAll(async () => {
    hub = await startHubFixture(kind, { workers: false });
    ({ token, userId } = await hub.seedWorkspace(ws));
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5']) {
      const agent = await hub.request('POST', `/api/v1/workspaces/${ws}/agents`, {
        token,
        body: { name, deliveryUrl: 'http://127.0.0.1:9/agent' },
      });
      expect(agent.status).toBe(201);
      agentIds.push(agent.body.id);
      agentSecret ??= agent.body.deliverySecret;
    }
    for (const agentId of agentIds.slice(0, 3)) {
      const installation = await hub.request('POST', `/api/v1/workspaces/${ws}/installations`, {
        token,
        body: { agentId, channelType: 'echo', config: { signing_secret: ECHO_SECRET } },
      });
      expect(installation.status).toBe(201);
      installationIds.push(installation.body.id);
    }
    for (const username of ['pat', 'quinn', 'robin']) {
      const member = await hub.request('POST', `/api/v1/workspaces/${ws}/members`, {
        token,
        body: { username: `${username}-${kind}` },
      });
      expect(member.status).toBe(201);
    }
  });
  afterAll(async () => {
    await hub?.close();
  });

  /** Follows nextCursor with `limit` per page; returns the pages' ids. */
  async function walk(path: string, limit: number, idOf: (item: Record<string, unknown>) => unknown) {
    const pages: unknown[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await hub.request('GET', `${path}?${query}`, { token });
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      pages.push(res.body.items.map(idOf));
      cursor = res.body.nextCursor;
      expect(pages.length).toBeLessThan(20);
    } while (cursor !== null);
    return pages;
  }

  describe('pagination', () => {
    it('walks agents two at a time, oldest first, and keeps the older `agents` key', async () => {
      const pages = await walk(`/api/v1/workspaces/${ws}/agents`, 2, (agent) => agent.id);
      expect(pages).toEqual([agentIds.slice(0, 2), agentIds.slice(2, 4), agentIds.slice(4)]);
      const first = await hub.request('GET', `/api/v1/workspaces/${ws}/agents?limit=2`, { token });
      expect(first.body.agents).toEqual(first.body.items);
      const all = await hub.request('GET', `/api/v1/workspaces/${ws}/agents`, { token });
      expect(all.body.items).toHaveLength(5);
      expect(all.body.nextCursor).toBeNull();
    });

    it('neither repeats nor skips an item when one is added between pages', async () => {
      const first = await hub.request('GET', `/api/v1/workspaces/${ws}/installations?limit=2`, { token });
      expect(first.body.installations.map((i: { id: string }) => i.id)).toEqual(installationIds.slice(0, 2));
      const added = await hub.request('POST', `/api/v1/workspaces/${ws}/installations`, {
        token,
        body: { agentId: agentIds[3], channelType: 'echo', config: { signing_secret: ECHO_SECRET } },
      });
      expect(added.status).toBe(201);
      const rest = await hub.request(
        'GET',
        `/api/v1/workspaces/${ws}/installations?limit=5&cursor=${first.body.nextCursor}`,
        { token },
      );
      expect(rest.body.items.map((i: { id: string }) => i.id)).toEqual([installationIds[2], added.body.id]);
      expect(rest.body.nextCursor).toBeNull();
      installationIds.push(added.body.id);
    });

    it('pages every list: members, tokens, channel types, bindings, dead letters, audit, identities', async () => {
      const members = await walk(`/api/v1/workspaces/${ws}/members`, 1, (m) => m.userId);
      expect(members.flat()).toHaveLength(4);
      expect(members.flat()[0]).toBe(userId);
      for (const name of ['t1', 't2', 't3']) {
        const issued = await hub.request('POST', `/api/v1/workspaces/${ws}/tokens`, {
          token,
          body: { name },
        });
        expect(issued.status).toBe(201);
      }
      expect((await walk(`/api/v1/workspaces/${ws}/tokens`, 2, (t) => t.id)).flat().length).toBeGreaterThan(
        3,
      );
      const types = await walk('/api/v1/channel-types', 1, (t) => t.type);
      expect(types.flat().sort()).toEqual(['echo', 'slack']);
      expect(await walk(`/api/v1/workspaces/${ws}/bindings`, 1, (b) => b.channelUserId)).toEqual([[]]);
      expect(await walk(`/api/v1/workspaces/${ws}/dead-letters`, 1, (d) => d.id)).toEqual([[]]);
      expect(await walk(`/api/v1/workspaces/${ws}/audit`, 1, (e) => e.id)).toEqual([[]]);
      const identities = await walk(
        `/api/v1/workspaces/${ws}/members/${userId}/identities`,
        1,
        (i) => i.namespace,
      );
      expect(identities.flat()).toEqual([]);
    });

    it('pages dead letters newest first by their id', async () => {
      const ids = await seedDeadLetters(3);
      const pages = await walk(`/api/v1/workspaces/${ws}/dead-letters`, 2, (d) => d.deliveryId);
      expect(pages).toEqual([ids.slice(0, 2), ids.slice(2)]);
      const legacy = await hub.request('GET', `/api/v1/workspaces/${ws}/dead-letters?limit=1`, { token });
      expect(legacy.body.deadLetters).toEqual(legacy.body.items);
    });

    it('answers 400 invalid_input for a bad limit or cursor, on every list', async () => {
      const lists = [
        `/api/v1/workspaces/${ws}/agents`,
        `/api/v1/workspaces/${ws}/installations`,
        `/api/v1/workspaces/${ws}/members`,
        `/api/v1/workspaces/${ws}/bindings`,
        `/api/v1/workspaces/${ws}/members/${userId}/identities`,
        `/api/v1/workspaces/${ws}/tokens`,
        `/api/v1/workspaces/${ws}/invitations`,
        `/api/v1/workspaces/${ws}/dead-letters`,
        `/api/v1/workspaces/${ws}/audit`,
        '/api/v1/channel-types',
        '/api/v1/workspaces',
      ];
      for (const list of lists) {
        for (const query of [
          'limit=0',
          'limit=abc',
          'limit=100000',
          'cursor=%7B%7D',
          'cursor=not-a-cursor!',
        ]) {
          const res = await hub.request('GET', `${list}?${query}`, { token });
          expect(res.status, `${list}?${query}`).toBe(400);
          expect(res.body.error.code).toBe('invalid_input');
          expect(Array.isArray(res.body.error.details), `${list}?${query}`).toBe(true);
        }
      }
    });

    it('refuses the cursor of another list', async () => {
      const agents = await hub.request('GET', `/api/v1/workspaces/${ws}/agents?limit=1`, { token });
      const types = await hub.request(
        'GET',
        `/api/v1/channel-types?cursor=${encodeURIComponent(agents.body.nextCursor)}`,
        { token },
      );
      expect(types.status).toBe(400);
    });
  });

  describe('Idempotency-Key', () => {
    const message = { target: { chatId: 'C-IDEM' }, text: 'hello' };
    const send = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      hub.request('POST', `/api/v1/installations/${installationIds[0]}/messages`, { token, body, headers });

    it('dedups on the header as it does on the body field, and they name the same key', async () => {
      const first = await send(message, { 'idempotency-key': 'idem-header-1' });
      expect(first.status).toBe(202);
      expect(first.body.created).toBe(true);
      const again = await send(message, { 'idempotency-key': 'idem-header-1' });
      expect(again.body).toEqual({ ...first.body, created: false });
      const viaBody = await send({ ...message, idempotencyKey: 'idem-header-1' });
      expect(viaBody.body.id).toBe(first.body.id);
      const both = await send(
        { ...message, idempotencyKey: 'idem-header-1' },
        { 'idempotency-key': 'idem-header-1' },
      );
      expect(both.body.id).toBe(first.body.id);
      const record = await hub.request(
        'GET',
        `/api/v1/installations/${installationIds[0]}/messages/${first.body.id}`,
        {
          token,
        },
      );
      expect(record.body.idempotencyKey).toBe('idem-header-1');
    });

    it('answers 400 when the header and the body field differ', async () => {
      const res = await send({ ...message, idempotencyKey: 'body-key' }, { 'idempotency-key': 'header-key' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('idempotency_key_mismatch');
    });

    it('still answers the zod issue when neither gives a key', async () => {
      const res = await send(message);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: ['idempotencyKey'] }));
      const empty = await send(message, { 'idempotency-key': '' });
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('invalid_input');
    });

    it('keeps the key of a signed request in its signed body', async () => {
      const url = `${hub.url}/api/v1/installations/${installationIds[0]}/messages`;
      const post = (body: Record<string, unknown>, headers: Record<string, string>) => {
        const raw = JSON.stringify(body);
        return fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signBody(agentSecret, raw),
            ...headers,
          },
          body: raw,
        });
      };
      const unsigned = await post(message, { 'idempotency-key': 'signed-1' });
      expect(unsigned.status).toBe(400);
      expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe(
        'idempotency_key_unsigned',
      );
      const signed = await post(
        { ...message, idempotencyKey: 'signed-1' },
        { 'idempotency-key': 'signed-1' },
      );
      expect(signed.status).toBe(202);
    });
  });

  async function seedDeadLetters(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const deliveryId = crypto.randomUUID();
      await hub.database.db.prisma.channelInboundMessageDedup.create({
        data: {
          installationId: installationIds[0] as string,
          channelType: 'echo',
          platformEventId: `dead-${kind}-${i}`,
          deliveryId,
          state: 'failed',
          attempts: 3,
          lastError: 'agent answered 500',
          finishedAt: new Date(),
        },
      });
      ids.unshift(deliveryId);
    }
    return ids;
  }
});

describe('rate limits', () => {
  let hub: HubFixture;
  beforeAll(async () => {
    hub = await startHubFixture('pglite', { rateLimit: { apiPerMinute: 3, hooksPerMinute: 2 } });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('answers 429 with the error envelope and Retry-After on /api/v1', async () => {
    const { token } = await hub.seedWorkspace('limited');
    const statuses: number[] = [];
    let last: Awaited<ReturnType<HubFixture['request']>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await hub.request('GET', '/api/v1/workspaces/limited', { token });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.body.error.code).toBe('rate_limited');
    const raw = await fetch(`${hub.url}/api/v1/workspaces/limited`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
    // Health and docs are not limited.
    expect((await hub.request('GET', '/healthz')).status).toBe(200);
  });

  it('limits /hooks separately', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await hub.request('POST', `/hooks/${crypto.randomUUID()}`, { body: {} })).status);
    }
    expect(statuses).toEqual([404, 404, 429]);
  });
});
