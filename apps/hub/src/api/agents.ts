import { randomBytes } from 'node:crypto';
import { deliverableEventKinds } from '@switchboard/core';
import type { AgentRecord } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { EgressPolicy } from '../egress/index.js';
import { badRequest } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { byCreation, listPageQuery, pageOf, parseListPage } from './list-page.js';
import { agentSchema, agentWithSecretSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

/** 14 days: longer than any platform keeps retrying (some retry for days). */
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
  /** The inbound event kinds the agent receives (default `['message']`); see docs/api.md. */
  eventTypes: z.array(z.enum(deliverableEventKinds)).min(1).optional(),
});
const eventTypesBody = z.object({ eventTypes: z.array(z.enum(deliverableEventKinds)).min(1) });
const agentParams = z.object({ ws: z.string(), id: z.string().uuid() });

export function presentAgent(agent: AgentRecord) {
  return {
    id: agent.id,
    name: agent.name,
    deliveryUrl: agent.deliveryUrl,
    hasDeliverySecret: agent.hasDeliverySecret,
    retryBudgetMs: agent.retryBudgetMs,
    eventTypes: agent.eventTypes,
    createdAt: agent.createdAt.toISOString(),
  };
}

/** 32 random bytes; the hub never delivers unsigned, so an agent always has one. */
function generateDeliverySecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export const agentRoutes: FastifyPluginAsync<{ runtime: HubRuntime; egress: EgressPolicy }> = async (
  app,
  { runtime, egress },
) => {
  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/agents',
    {
      schema: routeDocs({
        operationId: 'createAgent',
        tags: ['agents'],
        params: workspaceParams,
        responses: { 201: agentWithSecretSchema },
        summary:
          'Register an agent. Without a deliverySecret the hub generates one and returns it once ' +
          '(deliveries are always signed); the delivery URL must pass the egress policy',
        body: createAgentBody,
      }),
    },
    async (request, reply) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, WRITE_ROLES);
      const body = createAgentBody.parse(request.body);
      const verdict = egress.checkUrl(body.deliveryUrl);
      if (!verdict.ok) throw badRequest('egress_refused', verdict.error.message);
      const generated = body.deliverySecret === undefined ? generateDeliverySecret() : undefined;
      const agent = await runtime.stores.agents.create({
        workspaceId: workspace.id,
        ...body,
        deliverySecret: body.deliverySecret ?? generated,
      });
      return reply
        .code(201)
        .send({ ...presentAgent(agent), ...(generated ? { deliverySecret: generated } : {}) });
    },
  );

  app.post<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/agents/:id/delivery-secret',
    {
      schema: routeDocs({
        operationId: 'rotateAgentDeliverySecret',
        tags: ['agents'],
        summary: 'Replace the delivery secret with a generated one, returned once',
        params: agentParams,
        responses: { 200: agentWithSecretSchema },
      }),
    },
    async (request) => {
      const params = agentParams.safeParse(request.params);
      if (!params.success) throw badRequest('invalid_input', 'agent id must be a UUID', params.error.issues);
      const { workspace } = await authorizeWorkspace(runtime, request, params.data.ws, WRITE_ROLES);
      const secret = generateDeliverySecret();
      const agent = await runtime.stores.agents.setDeliverySecret(workspace.id, params.data.id, secret);
      return { ...presentAgent(agent), deliverySecret: secret };
    },
  );

  app.put<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/agents/:id/event-types',
    {
      schema: routeDocs({
        operationId: 'setAgentEventTypes',
        responses: { 200: agentSchema },
        tags: ['agents'],
        summary: 'Choose which inbound event kinds the agent receives (message, status, membership, ...)',
        body: eventTypesBody,
      }),
    },
    async (request) => {
      const params = agentParams.safeParse(request.params);
      if (!params.success) throw badRequest('invalid_input', 'agent id must be a UUID', params.error.issues);
      const { workspace } = await authorizeWorkspace(runtime, request, params.data.ws, WRITE_ROLES);
      const { eventTypes } = eventTypesBody.parse(request.body);
      return presentAgent(
        await runtime.stores.agents.setEventTypes(workspace.id, params.data.id, eventTypes),
      );
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/agents',
    {
      schema: routeDocs({
        operationId: 'listAgents',
        tags: ['agents'],
        summary: 'List agents, oldest first',
        params: workspaceParams,
        querystring: listPageQuery,
        responses: { 200: listResponse(agentSchema, 'agents') },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const page = parseListPage(request.query);
      const listed = pageOf(await runtime.stores.agents.list(workspace.id), page, byCreation);
      const agents = listed.items.map(presentAgent);
      return { items: agents, nextCursor: listed.nextCursor, agents };
    },
  );
};
