import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { routeDocs } from '../api/route-docs.js';

/** A fresh registry per hub: prom-client's global one would clash between hubs in one process. */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

export interface MetricsRoutesOptions {
  /** Must not be shared with another metricsRoutes registration (names would collide). */
  registry: Registry;
}

const LABELS = ['method', 'route', 'status'] as const;

/**
 * Request metrics for every route of the instance it is registered on (hence unencapsulated), plus
 * Node's default metrics, served at `GET /metrics`.
 */
export const metricsRoutes = fastifyPlugin<MetricsRoutesOptions>(
  async (app, { registry }) => {
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: LABELS,
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status',
      labelNames: LABELS,
      registers: [registry],
    });

    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      // The route pattern keeps label cardinality bounded; a raw URL would make one series per id.
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
    });

    app.get(
      '/metrics',
      {
        schema: routeDocs({
          operationId: 'getMetrics',
          tags: ['health'],
          summary: 'Prometheus metrics',
          auth: false,
          responses: {
            200: { description: 'Prometheus text format', schema: z.string(), contentType: 'text/plain' },
          },
          onlyErrors: [],
        }),
      },
      async (_request, reply) => {
        const text = await registry.metrics();
        return reply.header('content-type', registry.contentType).send(text);
      },
    );
  },
  { name: 'switchboard-metrics', fastify: '5.x' },
);
