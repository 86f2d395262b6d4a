import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { agentRoutes } from './api/agents.js';
import { translateDomainErrors } from './api/domain-errors.js';
import { installationRoutes } from './api/installations.js';
import { memberRoutes } from './api/members.js';
import { documentOnlyValidation } from './api/route-docs.js';
import { workspaceRoutes } from './api/workspaces.js';
import { bearerAuth, type Principal } from './http/auth.js';
import { healthRoutes } from './http/health.js';
import { createMetricsRegistry, metricsRoutes } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { createHttpServer } from './http/server.js';
import type { HubRuntime } from './runtime/open-runtime.js';
import { createReadinessCheck } from './runtime/readiness.js';

export const HUB_VERSION = '0.1.0';

export interface HubAppOptions {
  runtime: HubRuntime;
  logger: pino.Logger;
  publicUrl?: string;
}

/** Assembles the HTTP surface: health, metrics, OpenAPI, admin API. Listening is the caller's. */
export async function buildHubApp(options: HubAppOptions): Promise<FastifyInstance> {
  const { runtime } = options;
  const app = createHttpServer({ logger: options.logger });
  await registerOpenApi(app, { title: 'Switchboard hub', version: HUB_VERSION });
  await app.register(healthRoutes, { readiness: createReadinessCheck(runtime.database) });
  await app.register(metricsRoutes, { registry: createMetricsRegistry() });

  await app.register(async (api) => {
    translateDomainErrors(api);
    documentOnlyValidation(api);
    await api.register(bearerAuth, {
      authenticate: async (token): Promise<Principal | null> => runtime.stores.apiTokens.authenticate(token),
    });
    await api.register(workspaceRoutes, { runtime });
    await api.register(memberRoutes, { runtime });
    await api.register(agentRoutes, { runtime });
    await api.register(installationRoutes, { runtime, publicUrl: options.publicUrl });
  });
  return app;
}
