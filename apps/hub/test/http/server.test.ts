import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';
import { captureLogs } from './http-harness.js';

async function serverLoggingAt(level: string) {
  const logs = captureLogs();
  const app = createHttpServer({ logger: createLogger({ level, destination: logs.destination }) });
  app.post('/webhooks/:installation', async () => ({ ok: true }));
  return { app, logs };
}

describe('request logging', () => {
  it('writes nothing per request above debug (the ingress hot path)', async () => {
    const { app, logs } = await serverLoggingAt('info');
    const response = await app.inject({ method: 'POST', url: '/webhooks/inst-1', payload: { a: 1 } });
    expect(response.statusCode).toBe(200);
    expect(logs.text()).toBe('');
  });

  it('logs each request at debug by route pattern, never by the raw URL', async () => {
    const { app, logs } = await serverLoggingAt('debug');
    await app.inject({ method: 'POST', url: '/webhooks/secret-path-token?sig=abc', payload: { a: 1 } });
    const completed = logs.records().filter((record) => record.msg === 'request completed');
    expect(completed).toEqual([
      expect.objectContaining({ level: 20, method: 'POST', route: '/webhooks/:installation', status: 200 }),
    ]);
    expect(logs.text()).not.toContain('secret-path-token');
  });

  it('takes the request id from x-request-id and echoes it back', async () => {
    const { app, logs } = await serverLoggingAt('debug');
    const response = await app.inject({
      method: 'POST',
      url: '/webhooks/i',
      payload: {},
      headers: { 'x-request-id': 'upstream-42' },
    });
    expect(response.headers['x-request-id']).toBe('upstream-42');
    expect(logs.records().find((record) => record.msg === 'request completed')?.reqId).toBe('upstream-42');
  });
});
