import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth, type Principal, requireAuth, requireWorkspaceRole } from '../../src/http/auth.js';
import { ApiError } from '../../src/http/errors.js';
import { readJson, startTestServer, type TestServer } from './http-harness.js';

const alice: Principal = {
  userId: 'u1',
  username: 'alice',
  tokenId: 't1',
  memberships: [
    { workspaceId: 'ws-owned', role: 'owner' },
    { workspaceId: 'ws-joined', role: 'member' },
  ],
};
const GOOD_TOKEN = 'sb_good-token_123';

describe('bearer auth', () => {
  let server: TestServer;
  const seenTokens: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(async (app) => {
      await app.register(async (api) => {
        await api.register(bearerAuth, {
          authenticate: async (token) => {
            seenTokens.push(token);
            return token === GOOD_TOKEN ? alice : null;
          },
        });
        // A sibling plugin, as feature routes are: the auth plugin must reach it.
        await api.register(async (routes) => {
          routes.get('/whoami', async (request) => {
            const principal = await requireAuth(request);
            return { username: principal.username, cached: request.principal === principal };
          });
          routes.get('/guarded', { preHandler: requireAuth }, async (request) => ({
            userId: request.principal?.userId,
          }));
        });
      });
      app.get('/outside', async (request) => requireAuth(request));
    });
  });
  afterAll(() => server.close());

  const get = async (path: string, authorization?: string) => {
    const response = await fetch(`${server.url}${path}`, { headers: authorization ? { authorization } : {} });
    return { status: response.status, body: await readJson(response) };
  };

  it('rejects a request without an Authorization header with 401', async () => {
    expect(await get('/whoami')).toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'missing or malformed bearer token' } },
    });
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', `Bearer ${GOOD_TOKEN} extra`, GOOD_TOKEN])(
    'rejects the malformed header %j with 401 before consulting the token store',
    async (header) => {
      seenTokens.length = 0;
      const { status, body } = await get('/whoami', header);
      expect(status).toBe(401);
      expect(body.error.code).toBe('unauthorized');
      expect(seenTokens).toEqual([]);
    },
  );

  it('rejects an unknown token with 401', async () => {
    const { status, body } = await get('/whoami', 'Bearer sb_unknown');
    expect(status).toBe(401);
    expect(body.error.code).toBe('unauthorized');
  });

  it('sets the principal for a good token, whatever the case of the scheme', async () => {
    expect(await get('/whoami', `Bearer ${GOOD_TOKEN}`)).toEqual({
      status: 200,
      body: { username: 'alice', cached: true },
    });
    expect((await get('/whoami', `bearer ${GOOD_TOKEN}`)).status).toBe(200);
  });

  it('works as a preHandler', async () => {
    expect(await get('/guarded', `Bearer ${GOOD_TOKEN}`)).toEqual({ status: 200, body: { userId: 'u1' } });
    expect((await get('/guarded')).status).toBe(401);
  });

  it('fails closed with a 500 on a route outside the auth plugin', async () => {
    const { status, body } = await get('/outside', `Bearer ${GOOD_TOKEN}`);
    expect(status).toBe(500);
    expect(body.error.code).toBe('internal_error');
  });
});

describe('requireWorkspaceRole', () => {
  const failure = (workspaceId: string, roles: Array<'owner' | 'admin' | 'member'>) => {
    try {
      requireWorkspaceRole(alice, workspaceId, roles);
      return null;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return { status: error.status, code: error.code };
    }
  };

  it('passes a member holding an allowed role', () => {
    expect(failure('ws-owned', ['owner', 'admin'])).toBeNull();
    expect(failure('ws-joined', ['owner', 'admin', 'member'])).toBeNull();
  });

  it('answers 404 for a workspace the principal does not belong to, hiding that it exists', () => {
    expect(failure('ws-foreign', ['owner', 'admin', 'member'])).toEqual({ status: 404, code: 'not_found' });
  });

  it('answers 403 for a member without an allowed role', () => {
    expect(failure('ws-joined', ['owner', 'admin'])).toEqual({ status: 403, code: 'forbidden' });
  });
});
