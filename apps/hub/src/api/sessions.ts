import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Pipeline } from '../pipeline/index.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { authorizeInstallationCaller } from './installation-caller.js';
import { sessionDeletedSchema } from './responses.js';
import { routeDocs } from './route-docs.js';

const params = z.object({ id: z.string().uuid(), sessionId: z.string().min(1).max(256) });

/**
 * An agent ends a session: every chat bound to it is unbound, so the next message of those chats
 * starts without one (the agent answers with a new `sessionId` if it wants).
 */
export const sessionRoutes: FastifyPluginAsync<{ runtime: HubRuntime; pipeline: Pipeline }> = async (
  app,
  { runtime, pipeline },
) => {
  app.delete<{ Params: { id: string; sessionId: string } }>(
    '/api/v1/installations/:id/sessions/:sessionId',
    {
      schema: routeDocs({
        operationId: 'deleteSession',
        tags: ['outbound'],
        summary: 'Delete an agent session; prunes its chat bindings',
        params,
        responses: { 200: sessionDeletedSchema },
      }),
    },
    async (request) => {
      const { id, sessionId } = params.parse(request.params);
      const installation = await authorizeInstallationCaller(runtime, pipeline.channels, request, id);
      const pruned = await runtime.stores.bindings.removeSession([installation.id], sessionId);
      return { sessionId, prunedChats: pruned };
    },
  );
};
