import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { outboundMessageSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, WRITE_ROLES } from './workspace-access.js';

const listQuery = z.object({
  installationId: z.string().uuid().optional(),
  status: z.enum(['pending', 'sending', 'sent', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Items per page (1-500)'),
  cursor: z.string().min(1).max(200).optional().describe('The `nextCursor` of the previous page'),
});

// The cursor is the (createdAt, id) of the last row shown, so pages never repeat or skip a row.
const cursorShape = z.tuple([z.iso.datetime({ offset: true }), z.string().uuid()]);

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const key = cursorShape.safeParse(parsed);
  if (!key.success) {
    throw badRequest('invalid_input', 'bad cursor', [
      { path: ['cursor'], message: 'not a cursor of this list' },
    ]);
  }
  return { createdAt: new Date(key.data[0]), id: key.data[1] };
}

const encodeCursor = (row: { createdAt: Date; id: string }) =>
  Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');

/** What the workspace's installations sent (or are sending), newest first. Admins only. */
export const outboundMessageListRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (
  app,
  { runtime },
) => {
  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/outbound-messages',
    {
      schema: routeDocs({
        operationId: 'listOutboundMessages',
        tags: ['outbound'],
        summary:
          "Outbound messages of the workspace's installations, newest first, with their status and the " +
          "platform's delivery report; filter by installation and status",
        params: workspaceParams,
        querystring: listQuery,
        responses: { 200: listResponse(outboundMessageSchema) },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, WRITE_ROLES);
      const parsed = listQuery.safeParse(request.query);
      if (!parsed.success) throw badRequest('invalid_input', 'bad query', parsed.error.issues);
      const query = parsed.data;
      const installations = await runtime.stores.installations.list(workspace.id);
      const rows = await runtime.stores.outbound.listForWorkspace({
        installationIds: installations.map((i) => i.id),
        ...(query.installationId ? { installationId: query.installationId } : {}),
        ...(query.status ? { status: query.status } : {}),
        limit: query.limit + 1,
        ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((record) => ({
          ...record,
          createdAt: record.createdAt.toISOString(),
          sentAt: record.sentAt?.toISOString() ?? null,
        })),
        nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
      };
    },
  );
};
