import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { nullableTimestamp } from './schemas.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const params = z.object({ ws: z.string(), id: z.string().uuid() });
const parkingSchema = z.object({
  id: z.string().uuid(),
  parked: z.boolean(),
  parkedAt: nullableTimestamp.describe('When an admin parked it; null: connected when possible'),
});

/**
 * Park or unpark an installation's long connection: parked, no replica holds it (the one that
 * did disconnects within a scan); webhooks keep flowing, the installation stays active.
 */
export const installationParkingRoutes: FastifyPluginAsync<{
  runtime: HubRuntime;
  invalidate?(installationId: string): void;
}> = async (app, { runtime, invalidate }) => {
  const parking = runtime.stores.installationParking;
  const parse = (raw: unknown) => {
    const parsed = params.safeParse(raw);
    if (!parsed.success)
      throw badRequest('invalid_input', 'installation id must be a UUID', parsed.error.issues);
    return parsed.data;
  };
  const answer = (id: string, parkedAt: Date | null) => ({
    id,
    parked: parkedAt !== null,
    parkedAt: parkedAt?.toISOString() ?? null,
  });

  app.get<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id/parking',
    {
      schema: routeDocs({
        operationId: 'getInstallationParking',
        tags: ['installations'],
        summary: "Whether the installation's long connection is parked",
        params,
        responses: { 200: parkingSchema },
      }),
    },
    async (request) => {
      const { ws, id } = parse(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, ws, READ_ROLES);
      return answer(id, await parking.parkedAt(workspace.id, id));
    },
  );

  app.put<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id/parking',
    {
      schema: routeDocs({
        operationId: 'parkInstallation',
        tags: ['installations'],
        summary: 'Park the long connection: no replica holds it until it is unparked',
        params,
        responses: { 200: parkingSchema },
      }),
    },
    async (request) => {
      const { ws, id } = parse(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, ws, WRITE_ROLES);
      const parkedAt = await parking.park(workspace.id, id);
      invalidate?.(id);
      return answer(id, parkedAt);
    },
  );

  app.delete<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id/parking',
    {
      schema: routeDocs({
        operationId: 'unparkInstallation',
        tags: ['installations'],
        summary: 'Unpark the long connection: a replica connects it on its next scan',
        params,
        responses: { 200: parkingSchema },
      }),
    },
    async (request) => {
      const { ws, id } = parse(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, ws, WRITE_ROLES);
      await parking.unpark(workspace.id, id);
      invalidate?.(id);
      return answer(id, null);
    },
  );
};
