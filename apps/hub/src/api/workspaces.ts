import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireAuth } from '../http/auth.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { workspaceSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES } from './workspace-access.js';

export const slugSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

const createWorkspaceBody = z.object({ slug: slugSchema, name: z.string().min(1).max(200).optional() });

export function presentWorkspace(ws: { id: string; slug: string; name: string; createdAt: Date }) {
  return { id: ws.id, slug: ws.slug, name: ws.name, createdAt: ws.createdAt.toISOString() };
}

export const workspaceRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  app.post(
    '/api/v1/workspaces',
    {
      schema: routeDocs({
        operationId: 'createWorkspace',
        tags: ['workspaces'],
        responses: { 201: workspaceSchema },
        errors: [409],
        summary: 'Create a workspace; the caller becomes its owner',
        body: createWorkspaceBody,
      }),
    },
    async (request, reply) => {
      const principal = await requireAuth(request);
      const body = createWorkspaceBody.parse(request.body);
      const workspace = await runtime.stores.workspaces.create({ ...body, ownerUserId: principal.userId });
      return reply.code(201).send(presentWorkspace(workspace));
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws',
    {
      schema: routeDocs({
        operationId: 'getWorkspace',
        tags: ['workspaces'],
        summary: 'Read a workspace (id or slug)',
        params: workspaceParams,
        responses: { 200: workspaceSchema },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      return presentWorkspace(workspace);
    },
  );
};
