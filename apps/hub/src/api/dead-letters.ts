import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { notFound } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { deadLetterActionSchema, deadLetterSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `nextCursor` of the previous page: the id of its last dead letter. */
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'not a cursor of this list')
    .optional(),
});
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
        operationId: 'listDeadLetters',
        tags: ['audit'],
        summary: 'Events that could not be delivered, newest first',
        params: workspaceParams,
        querystring: listQuery,
        responses: { 200: listResponse(deadLetterSchema, 'deadLetters') },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const { limit, cursor } = listQuery.parse(request.query);
      // One more than asked tells whether a next page exists.
      const letters = await runtime.stores.inbox.deadLetters(
        await installationIds(workspace.id),
        limit + 1,
        cursor,
      );
      const deadLetters = letters.slice(0, limit).map((letter) => ({
        ...letter,
        firstSeenAt: letter.firstSeenAt.toISOString(),
        finishedAt: letter.finishedAt?.toISOString() ?? null,
      }));
      const nextCursor = letters.length > limit ? (deadLetters.at(-1)?.id ?? null) : null;
      return { items: deadLetters, nextCursor, deadLetters };
    },
  );

  app.post<{ Params: { ws: string; deliveryId: string } }>(
    '/api/v1/workspaces/:ws/dead-letters/:deliveryId/retry',
    {
      schema: routeDocs({
        operationId: 'retryDeadLetter',
        tags: ['audit'],
        summary: 'Queue a dead-lettered event for delivery again',
        params: retryParams,
        responses: { 202: deadLetterActionSchema },
      }),
    },
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
  const discardDocs = (operationId: string, responses: Parameters<typeof routeDocs>[0]['responses']) => ({
    schema: routeDocs({
      operationId,
      tags: ['audit'],
      summary: 'Give a dead-lettered event up; its conversation goes on',
      params: retryParams,
      responses,
    }),
  });
  app.post<{ Params: { ws: string; deliveryId: string } }>(
    '/api/v1/workspaces/:ws/dead-letters/:deliveryId/discard',
    discardDocs('discardDeadLetter', { 200: deadLetterActionSchema }),
    async (request, reply) => {
      await discard(request);
      return reply.code(200).send({ deliveryId: request.params.deliveryId, status: 'discarded' });
    },
  );
  app.delete<{ Params: { ws: string; deliveryId: string } }>(
    '/api/v1/workspaces/:ws/dead-letters/:deliveryId',
    discardDocs('deleteDeadLetter', { 204: null }),
    async (request, reply) => {
      await discard(request);
      return reply.code(204).send();
    },
  );
};
