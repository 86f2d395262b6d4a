import { auditReasons } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { auditEntrySchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES } from './workspace-access.js';

const auditQuery = z.object({
  installationId: z.string().uuid().optional(),
  reason: z.enum(auditReasons).optional(),
  platformEventId: z.string().min(1).max(256).optional(),
  userId: z.string().uuid().optional().describe('Decisions about this workspace user'),
  since: z.iso.datetime({ offset: true }).optional().describe('Decisions at or after this time'),
  until: z.iso.datetime({ offset: true }).optional().describe('Decisions before this time'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  // An audit id: a positive int8. Anything beyond 2^63 - 1 is refused here, not by the database.
  cursor: z
    .string()
    .regex(/^\d{1,19}$/)
    // Zod runs this even when the regex failed: only digits may reach BigInt (it throws otherwise).
    .refine(
      (value) => !/^\d+$/.test(value) || BigInt(value) <= 9_223_372_036_854_775_807n,
      'cursor is out of range',
    )
    .optional(),
});

export const auditRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/audit',
    {
      schema: routeDocs({
        operationId: 'listAudit',
        tags: ['audit'],
        summary: 'Decisions about inbound events, newest first (never message bodies)',
        params: workspaceParams,
        querystring: auditQuery,
        responses: { 200: listResponse(auditEntrySchema, 'entries') },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const { since, until, ...query } = auditQuery.parse(request.query);
      const page = await runtime.stores.audit.list({
        ...query,
        ...(since ? { since: new Date(since) } : {}),
        ...(until ? { until: new Date(until) } : {}),
        workspaceId: workspace.id,
      });
      const entries = page.entries.map((entry) => ({ ...entry, createdAt: entry.createdAt.toISOString() }));
      return { items: entries, nextCursor: page.nextCursor, entries };
    },
  );
};
