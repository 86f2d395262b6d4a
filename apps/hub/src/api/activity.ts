import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { messageActivitySchema, reasonActivitySchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { workspaceParams } from './schemas.js';
import { authorizeWorkspace, WRITE_ROLES } from './workspace-access.js';

const WINDOWS = { '1h': 60 * 60 * 1000, '24h': 24 * 60 * 60 * 1000 } as const;
const REASONS_WINDOW_MS = WINDOWS['24h'];

const messagesQuery = z.object({
  window: z.enum(['1h', '24h']).default('1h').describe('How far back: the last hour or 24 hours'),
});

/** Starts on a whole minute, so the oldest bucket counts a whole minute like the others. */
function windowStart(now: Date, windowMs: number): Date {
  const start = new Date(now.getTime() - windowMs);
  start.setUTCSeconds(0, 0);
  return start;
}

/**
 * Aggregates behind the console's charts: messages per minute per installation, and the audit's
 * decisions by reason. Admins only, like the audit and the outbound messages they summarise.
 */
export const activityRoutes: FastifyPluginAsync<{ runtime: HubRuntime; now?: () => Date }> = async (
  app,
  { runtime, now = () => new Date() },
) => {
  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/activity/messages',
    {
      schema: routeDocs({
        operationId: 'getMessageActivity',
        tags: ['activity'],
        summary: 'Inbound and delivered events per minute per installation, over the last hour or 24 h',
        params: workspaceParams,
        querystring: messagesQuery,
        responses: { 200: messageActivitySchema },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, WRITE_ROLES);
      const { window } = messagesQuery.parse(request.query);
      const since = windowStart(now(), WINDOWS[window]);
      const minutes = await runtime.stores.activity.messagesPerMinute(workspace.id, since);
      return {
        window,
        since: since.toISOString(),
        bucketSeconds: 60 as const,
        minutes: minutes.map((m) => ({ ...m, minute: m.minute.toISOString() })),
      };
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/activity/reasons',
    {
      schema: routeDocs({
        operationId: 'getReasonActivity',
        tags: ['activity'],
        summary: 'How many decisions of each audit reason the last 24 h hold',
        params: workspaceParams,
        responses: { 200: reasonActivitySchema },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, WRITE_ROLES);
      const since = windowStart(now(), REASONS_WINDOW_MS);
      return {
        since: since.toISOString(),
        reasons: await runtime.stores.activity.reasonCounts(workspace.id, since),
      };
    },
  );
};
