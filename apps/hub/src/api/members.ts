import type { MemberRecord } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { badRequest, conflict, forbidden } from '../http/errors.js';
import { linkMemberIdentities } from '../identity/member-identities.js';
import { usernameFromEmail } from '../identity/username.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const usernameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dots, dashes and underscores');

const addMemberBody = z
  .object({
    username: usernameSchema.optional(),
    email: z.string().email().max(320).optional(),
    role: z.enum(['owner', 'admin', 'member']).default('member'),
  })
  .refine((body) => body.username !== undefined || body.email !== undefined, {
    message: 'give a username or an email',
  });

const userIdParam = z.object({ ws: z.string(), userId: z.string().uuid() });

export function presentMember(member: MemberRecord) {
  return {
    userId: member.userId,
    username: member.username,
    email: member.email,
    displayName: member.displayName,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
  };
}

export const memberRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  const { stores } = runtime;

  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/members',
    {
      schema: routeDocs({
        tags: ['members'],
        summary:
          'Add a user (found by username or email, else created) to the workspace; also links their auth ' +
          'and email identities and reports them as identities.linked / identities.failed',
        body: addMemberBody,
      }),
    },
    async (request, reply) => {
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        request.params.ws,
        WRITE_ROLES,
      );
      const body = addMemberBody.parse(request.body);
      const callerRole = principal.memberships.find((m) => m.workspaceId === workspace.id)?.role;
      if (body.role === 'owner' && callerRole !== 'owner') throw forbidden('only an owner can add an owner');

      const existing =
        (body.username ? await stores.users.findByUsername(body.username) : null) ??
        (body.email ? await stores.users.findByEmail(body.email) : null);
      const user =
        existing ??
        (await stores.users.create({
          username: body.username ?? usernameFromEmail(body.email as string),
          email: body.email,
        }));
      const previous = await stores.members.find(workspace.id, user.id);
      if (previous && previous.role !== 'member' && body.role === 'member') {
        await assertNotLastAdmin(workspace.id);
      }
      const member = await stores.members.upsert(workspace.id, user.id, body.role);
      // The membership stands even if an identity cannot be written; the report says which.
      const identities = await linkMemberIdentities(stores.identities, user, request.log);
      return reply.code(previous ? 200 : 201).send({ ...presentMember(member), identities });
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/members',
    { schema: routeDocs({ tags: ['members'], summary: 'List the workspace members' }) },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      return { members: (await stores.members.list(workspace.id)).map(presentMember) };
    },
  );

  app.delete<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId',
    {
      schema: routeDocs({
        tags: ['members'],
        summary: 'Remove a member; their bindings on every channel of the workspace are pruned',
      }),
    },
    async (request) => {
      const params = userIdParam.safeParse(request.params);
      if (!params.success) throw badRequest('invalid_input', 'userId must be a UUID', params.error.issues);
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        params.data.ws,
        WRITE_ROLES,
      );
      const target = await stores.members.find(workspace.id, params.data.userId);
      if (target && target.role === 'owner') {
        const callerRole = principal.memberships.find((m) => m.workspaceId === workspace.id)?.role;
        if (callerRole !== 'owner') throw forbidden('only an owner can remove an owner');
      }
      if (target && target.role !== 'member') await assertNotLastAdmin(workspace.id);
      const { prunedBindings } = await stores.members.remove(workspace.id, params.data.userId);
      return { removed: true, userId: params.data.userId, prunedBindings };
    },
  );

  // A workspace without an owner or admin cannot be managed (and refuses auto-provisioning).
  async function assertNotLastAdmin(workspaceId: string): Promise<void> {
    if ((await stores.members.countAdmins(workspaceId)) <= 1) {
      throw conflict('last_admin', 'the workspace must keep at least one owner or admin');
    }
  }
};
