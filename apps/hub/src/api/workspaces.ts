import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireAuth } from '../http/auth.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES } from './workspace-access.js';

export const slugSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

const createWorkspaceBody = z.object({ slug: slugSchema, name: z.string().min(1).max(200).optional() });

const listWorkspacesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export function presentWorkspace(ws: { id: string; slug: string; name: string; createdAt: Date }) {
  return { id: ws.id, slug: ws.slug, name: ws.name, createdAt: ws.createdAt.toISOString() };
}

export const workspaceRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  app.post(
    '/api/v1/workspaces',
    {
      schema: routeDocs({
        tags: ['workspaces'],
        summary: 'Create a workspace; the caller becomes its owner',
        body: createWorkspaceBody,
      }),
    },
    async (request, reply) => {
      const principal = await requireAuth(request);
      const body = createWorkspaceBody.parse(request.body);
      // The operator creates empty workspaces; their first admin comes from POST …/admins.
      const workspace = await runtime.stores.workspaces.create({
        ...body,
        ...(principal.operator ? {} : { ownerUserId: principal.userId }),
      });
      return reply.code(201).send(presentWorkspace(workspace));
    },
  );

  app.get(
    '/api/v1/workspaces',
    {
      schema: routeDocs({
        tags: ['workspaces'],
        summary: "The caller's workspaces (every workspace for the hub operator), by slug",
        querystring: listWorkspacesQuery,
      }),
    },
    async (request) => {
      const principal = await requireAuth(request);
      const query = listWorkspacesQuery.parse(request.query);
      const after = query.cursor ? Buffer.from(query.cursor, 'base64url').toString('utf8') : undefined;
      const page = await runtime.stores.workspaces.list({
        ...(principal.operator ? {} : { ids: principal.memberships.map((m) => m.workspaceId) }),
        limit: query.limit + 1,
        ...(after ? { after } : {}),
      });
      const items = page.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items: items.map(presentWorkspace),
        nextCursor: page.length > query.limit && last ? Buffer.from(last.slug).toString('base64url') : null,
      };
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws',
    { schema: routeDocs({ tags: ['workspaces'], summary: 'Read a workspace (id or slug)' }) },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      return presentWorkspace(workspace);
    },
  );
};
