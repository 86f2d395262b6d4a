import { describe, expect, it } from 'vitest';
import { healthRoutes, type ReadinessResult } from '../../src/http/health.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';

async function hubWithReadiness(readiness: () => Promise<ReadinessResult>, readinessTimeoutMs?: number) {
  const app = createHttpServer({ logger: createLogger({ level: 'silent' }) });
  await app.register(healthRoutes, { readiness, readinessTimeoutMs });
  return app;
}

describe('health probes', () => {
  it('answers /healthz without consulting readiness', async () => {
    let consulted = false;
    const app = await hubWithReadiness(async () => {
      consulted = true;
      return { ok: false, reason: 'database unreachable' };
    });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(consulted).toBe(false);
  });

  it('answers /readyz 200 when ready', async () => {
    const app = await hubWithReadiness(async () => ({ ok: true }));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('answers /readyz 503 not_ready with the reason when not ready', async () => {
    const app = await hubWithReadiness(async () => ({ ok: false, reason: 'migrations not applied: 0002_x' }));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: { code: 'not_ready', message: 'migrations not applied: 0002_x' },
    });
  });

  it('counts a throwing readiness check as not ready, without leaking its message', async () => {
    const app = await hubWithReadiness(async () => {
      throw new Error('password authentication failed for user admin');
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toEqual({ code: 'not_ready', message: 'readiness check failed' });
  });

  it('counts a hanging readiness check as not ready once it times out', async () => {
    const app = await hubWithReadiness(() => new Promise<ReadinessResult>(() => {}), 50);
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.message).toBe('readiness check timed out');
  });
});
