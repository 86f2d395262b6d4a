import { generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { postgresTestUrl } from '@switchboard/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHubApp } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { testChannelRegistry } from '../support/channels.js';
import { postgresBehindProxy, type TcpProxy } from '../support/tcp-proxy.js';

// An outage needs a server to lose: PGlite runs in-process, so this suite is PostgreSQL-only.
describe.skipIf(!postgresTestUrl())('database outage [postgres]', () => {
  let database: Awaited<ReturnType<typeof postgresBehindProxy>>;
  let proxy: TcpProxy;
  let runtime: HubRuntime;
  let app: FastifyInstance;
  let token: string;

  beforeAll(async () => {
    database = await postgresBehindProxy('sb_outage');
    proxy = database.proxy;
    runtime = createHubRuntime({
      database: await openDatabase({ url: database.url, poolSize: 2 }),
      secrets: SecretBox.fromSpec(generateSecretKey()),
      registry: testChannelRegistry(),
    });
    const ws = await runtime.stores.workspaces.create({ slug: 'outage' });
    const user = await runtime.stores.users.create({ username: 'outage-admin' });
    await runtime.stores.members.upsert(ws.id, user.id, 'owner');
    token = (await runtime.stores.apiTokens.issue({ userId: user.id })).token;
    app = await buildHubApp({ runtime, logger: createLogger({ level: 'silent' }) });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await runtime?.close();
    await database?.drop();
  });

  const get = (url: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('answers 503 while the database is down, stays up, and recovers when it returns', async () => {
    expect((await get('/readyz')).statusCode).toBe(200);
    expect((await get('/api/v1/workspaces/outage')).statusCode).toBe(200);

    await proxy.cut();
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(503);
    const api = await get('/api/v1/workspaces/outage');
    expect(api.statusCode).toBe(503);
    expect(api.json().error.code).toBe('service_unavailable');
    expect((await get('/healthz')).statusCode).toBe(200);

    await proxy.restore();
    await expect
      .poll(async () => (await get('/readyz')).statusCode, { timeout: 15_000, interval: 250 })
      .toBe(200);
    expect((await get('/api/v1/workspaces/outage')).statusCode).toBe(200);
  });
});
