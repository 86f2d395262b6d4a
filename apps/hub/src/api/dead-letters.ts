import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { notFound } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const retryParams = z.object({ ws: z.string(), deliveryId: z.string().uuid() });

/**
 * Events whose delivery gave up: listed for operators, and re-queued once the agent is fixed or
 * discarded. Retention never deletes them. A dead letter holds its conversation: later messages
 * of that chat wait (`heldMessages`) until it is retried (it then goes first) or discarded.
 */
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
      await runtime.stores.audit.record({
        reason: 'dead_letter_retried',
        installationId: requeued.installationId,
        workspaceId: workspace.id,
        channelType: requeued.channelType,
        platformEventId: requeued.platformEventId,
        detail: { deliveryId: requeued.deliveryId },
      });
      wake();
      return reply.code(202).send({ deliveryId: params.deliveryId, status: 'pending' });
    },
  );

  const discard = async (request: FastifyRequest<{ Params: { ws: string; deliveryId: string } }>) => {
    const params = retryParams.parse(request.params);
    const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
    const discarded = await runtime.stores.inbox.discard(
      await installationIds(workspace.id),
      params.deliveryId,
    );
    if (!discarded) throw notFound('dead letter');
    await runtime.stores.audit.record({
      reason: 'dead_letter_discarded',
      installationId: discarded.installationId,
      workspaceId: workspace.id,
      channelType: discarded.channelType,
      platformEventId: discarded.platformEventId,
      detail: { deliveryId: discarded.deliveryId, error: discarded.lastError },
    });
    // The conversation it held may go on now.
    wake();
  };
  const discardDocs = {
    schema: routeDocs({
      tags: ['audit'],
      summary: 'Give a dead-lettered event up; its conversation goes on',
    }),
  };
  app.post<{ Params: { ws: string; deliveryId: string } }>(
    '/api/v1/workspaces/:ws/dead-letters/:deliveryId/discard',
    discardDocs,
    async (request, reply) => {
      await discard(request);
      return reply.code(200).send({ deliveryId: request.params.deliveryId, status: 'discarded' });
    },
  );
  app.delete<{ Params: { ws: string; deliveryId: string } }>(
    '/api/v1/workspaces/:ws/dead-letters/:deliveryId',
    discardDocs,
    async (request, reply) => {
      await discard(request);
      return reply.code(204).send();
    },
  );
};
