import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, metricsRoutes } from '../../src/http/metrics.js';
import { startTestServer, type TestServer } from './http-harness.js';

describe('metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(async (app) => {
      await app.register(metricsRoutes, { registry: createMetricsRegistry() });
      app.get('/things/:id', async () => ({ ok: true }));
    });
  });
  afterAll(() => server.close());

  const scrape = async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('counts requests by route pattern, method and status', async () => {
    await fetch(`${server.url}/things/123`);
    await fetch(`${server.url}/things/456`);
    const text = await scrape();
    expect(text).toContain('http_requests_total{method="GET",route="/things/:id",status="200"} 2');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/things/:id"',
    );
    expect(text).not.toContain('/things/123');
  });

  it('labels requests that matched no route as unmatched, not by their URL', async () => {
    await fetch(`${server.url}/no/such/path/abc`);
    const text = await scrape();
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).not.toContain('/no/such/path');
  });

  it('exposes the default Node process metrics', async () => {
    expect(await scrape()).toContain('process_cpu_user_seconds_total');
  });

  it('keeps two hubs in one process apart', async () => {
    const other = await startTestServer(async (app) => {
      await app.register(metricsRoutes, { registry: createMetricsRegistry() });
    });
    try {
      const text = await (await fetch(`${other.url}/metrics`)).text();
      expect(text).not.toContain('/things/:id');
    } finally {
      await other.close();
    }
  });
});
