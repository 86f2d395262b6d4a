import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { routeDocs } from '../api/route-docs.js';
import { errorEnvelope } from './error-response.js';

export type ReadinessResult = { ok: true } | { ok: false; reason: string };

export interface HealthRoutesOptions {
  /** Whether the hub can serve traffic (database reachable, migrations applied...). */
  readiness: () => Promise<ReadinessResult>;
  /** A probe that hangs is as bad as one that fails; default 5 s. */
  readinessTimeoutMs?: number;
}

const DEFAULT_READINESS_TIMEOUT_MS = 5_000;

/**
 * `/healthz` is liveness: the process answers, nothing else is touched, so an orchestrator never
 * restarts the hub over a database outage. `/readyz` is readiness and may say no, but never throws.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const timeoutMs = options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;

  const healthDocs = (operationId: string, summary: string, status: string, errors: number[]) =>
    routeDocs({
      operationId,
      tags: ['health'],
      summary,
      auth: false,
      responses: { 200: z.object({ status: z.literal(status) }) },
      onlyErrors: errors,
    });

  app.get(
    '/healthz',
    { schema: healthDocs('getLiveness', 'Liveness: the process is up', 'ok', []) },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: healthDocs('getReadiness', 'Readiness: the hub can serve requests', 'ready', [503]) },
    async (request, reply) => {
      const result = await checkReadiness(options.readiness, timeoutMs).catch((error: unknown) => {
        request.log.warn({ err: error }, 'readiness check threw');
        return { ok: false, reason: 'readiness check failed' } as const;
      });
      if (result.ok) return { status: 'ready' };
      return reply.code(503).send(errorEnvelope('not_ready', result.reason));
    },
  );
};

async function checkReadiness(
  readiness: () => Promise<ReadinessResult>,
  timeoutMs: number,
): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: 'readiness check timed out' }), timeoutMs);
  });
  try {
    return await Promise.race([readiness(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
