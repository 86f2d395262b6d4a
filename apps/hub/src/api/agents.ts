import type { AgentRecord } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

/** 14 days: longer than any platform keeps retrying (WhatsApp: days). */
export const MAX_RETRY_BUDGET_MS = 14 * 24 * 3_600_000;

const createAgentBody = z.object({
  name: z.string().min(1).max(100),
  deliveryUrl: z
    .string()
    .url()
    .refine((url) => /^https?:\/\//.test(url), 'must be an http(s) URL'),
  deliverySecret: z.string().min(16).max(256).optional(),
  /** How long a delivery is retried before it is dead-lettered (default 24 h). */
  retryBudgetMs: z.number().int().min(1_000).max(MAX_RETRY_BUDGET_MS).optional(),
});

export function presentAgent(agent: AgentRecord) {
  return {
    id: agent.id,
    name: agent.name,
    deliveryUrl: agent.deliveryUrl,
    hasDeliverySecret: agent.hasDeliverySecret,
    retryBudgetMs: agent.retryBudgetMs,
    createdAt: agent.createdAt.toISOString(),
  };
}

export const agentRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/agents',
    {
      schema: routeDocs({
        tags: ['agents'],
        summary: 'Register an agent; the delivery secret is sealed and never returned',
        body: createAgentBody,
      }),
    },
    async (request, reply) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, WRITE_ROLES);
      const body = createAgentBody.parse(request.body);
      const agent = await runtime.stores.agents.create({ workspaceId: workspace.id, ...body });
      return reply.code(201).send(presentAgent(agent));
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/agents',
    { schema: routeDocs({ tags: ['agents'], summary: 'List agents' }) },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      return { agents: (await runtime.stores.agents.list(workspace.id)).map(presentAgent) };
    },
  );
};
