import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { notFound } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const retryParams = z.object({ ws: z.string(), deliveryId: z.string().uuid() });

/** Events whose delivery gave up: listed for operators, and re-queued once the agent is fixed. */
export const deadLetterRoutes: FastifyPluginAsync<{ runtime: HubRuntime; wake(): void }> = async (
  app,
  { runtime, wake },
) => {
  const installationIds = async (workspaceId: string) =>
    (await runtime.stores.installations.list(workspaceId)).map((installation) => installation.id);

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/dead-letters',
    {
      schema: routeDocs({
        tags: ['audit'],
        summary: 'Events that could not be delivered',
        querystring: listQuery,
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const { limit } = listQuery.parse(request.query);
      const letters = await runtime.stores.inbox.deadLetters(await installationIds(workspace.id), limit);
      return {
        deadLetters: letters.map((letter) => ({
          ...letter,
          firstSeenAt: letter.firstSeenAt.toISOString(),
          finishedAt: letter.finishedAt?.toISOString() ?? null,
        })),
      };
    },
  );

  app.post<{ Params: { ws: string; deliveryId: string } }>(
    '/api/v1/workspaces/:ws/dead-letters/:deliveryId/retry',
    { schema: routeDocs({ tags: ['audit'], summary: 'Queue a dead-lettered event for delivery again' }) },
    async (request, reply) => {
      const params = retryParams.parse(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const requeued = await runtime.stores.inbox.requeue(
        await installationIds(workspace.id),
        params.deliveryId,
      );
      if (!requeued) throw notFound('dead letter');
      wake();
      return reply.code(202).send({ deliveryId: params.deliveryId, status: 'pending' });
    },
  );
};
