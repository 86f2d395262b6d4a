import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AgentCircuits } from '../retry/circuit.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { MAX_RETRY_BUDGET_MS, presentAgent } from './agents.js';
import { agentHealthSchema, agentSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const agentParams = z.object({ ws: z.string(), agentId: z.string().uuid() });
const retryBudgetBody = z.object({
  /** Null goes back to the hub's default (24 h). */
  retryBudgetMs: z.number().int().min(1_000).max(MAX_RETRY_BUDGET_MS).nullable(),
});

/**
 * How deliveries to an agent are going, as this hub process sees them (each replica keeps its own
 * circuit), and the agent's retry budget.
 */
export const agentHealthRoutes: FastifyPluginAsync<{ runtime: HubRuntime; circuits: AgentCircuits }> = async (
  app,
  { runtime, circuits },
) => {
  app.get<{ Params: { ws: string; agentId: string } }>(
    '/api/v1/workspaces/:ws/agents/:agentId/health',
    {
      schema: routeDocs({
        operationId: 'getAgentHealth',
        tags: ['agents'],
        summary: 'Delivery health of an agent: circuit state, last success, last error',
        params: agentParams,
        responses: { 200: agentHealthSchema },
      }),
    },
    async (request) => {
      const params = agentParams.parse(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      const agent = await runtime.stores.agents.get(workspace.id, params.agentId);
      const health = circuits.health(agent.id);
      return {
        agentId: agent.id,
        retryBudgetMs: agent.retryBudgetMs,
        circuit: health.circuit,
        consecutiveFailures: health.consecutiveFailures,
        lastSuccessAt: health.lastSuccessAt?.toISOString() ?? null,
        lastErrorAt: health.lastErrorAt?.toISOString() ?? null,
        lastError: health.lastError,
        nextProbeAt: health.nextProbeAt?.toISOString() ?? null,
      };
    },
  );

  app.put<{ Params: { ws: string; agentId: string } }>(
    '/api/v1/workspaces/:ws/agents/:agentId/retry-budget',
    {
      schema: routeDocs({
        operationId: 'setAgentRetryBudget',
        tags: ['agents'],
        summary: 'Set how long deliveries to this agent are retried before they are dead-lettered',
        params: agentParams,
        body: retryBudgetBody,
        responses: { 200: agentSchema },
      }),
    },
    async (request) => {
      const params = agentParams.parse(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const { retryBudgetMs } = retryBudgetBody.parse(request.body);
      return presentAgent(
        await runtime.stores.agents.setRetryBudget(workspace.id, params.agentId, retryBudgetMs),
      );
    },
  );
};
