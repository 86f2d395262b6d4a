import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES } from './workspace-access.js';

const params = z.object({ ws: z.string(), id: z.string().uuid() });

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

/**
 * `GET /api/v1/workspaces/:ws/installations/:id/status`: the runtime status the replica running
 * the installation last wrote (at most about a second old), the same from every replica, plus
 * the inbox figures read now. `reported: false` means no replica has reported on it yet.
 */
export const installationStatusRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, options) => {
  const { stores } = options.runtime;
  app.get<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id/status',
    {
      schema: routeDocs({
        tags: ['installations'],
        summary: 'Runtime status: connection state, lease holder, last traffic, last error with a fix hint',
      }),
    },
    async (request) => {
      const parsed = params.safeParse(request.params);
      if (!parsed.success)
        throw badRequest('invalid_input', 'installation id must be a UUID', parsed.error.issues);
      const { workspace } = await authorizeWorkspace(options.runtime, request, parsed.data.ws, READ_ROLES);
      const installation = await stores.installations.get(workspace.id, parsed.data.id);
      const [status, backlog] = await Promise.all([
        stores.installationStatus.get(installation.id),
        stores.inbox.backlog(installation.id),
      ]);
      return {
        installationId: installation.id,
        installationStatus: installation.status,
        reported: status !== null,
        state: status?.state ?? null,
        leaseHolder: status?.leaseHolder ?? null,
        reportedBy: status?.reportedBy ?? null,
        reportedAt: iso(status?.updatedAt),
        lastInboundAt: iso(status?.lastInboundAt),
        lastOutboundAt: iso(status?.lastOutboundAt),
        lastError: status?.lastError
          ? { message: status.lastError, hint: status.lastErrorHint, at: iso(status.lastErrorAt) }
          : null,
        reconnectCount: status?.reconnectCount ?? 0,
        inboxBacklog: backlog.pending,
        deadLetters: backlog.deadLetters,
      };
    },
  );
};
