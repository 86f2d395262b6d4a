import type { Logger } from '@switchboard/core';
import type { InvitationRecord } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireAuth } from '../http/auth.js';
import { badRequest, forbidden, gone } from '../http/errors.js';
import { type InvitedPhoneOutcome, linkInvitedPhone } from '../identity/invited-phone.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { pageQuery, parsePage } from './pagination.js';
import { invitationAcceptedSchema, invitationSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, WRITE_ROLES } from './workspace-access.js';

const acceptBody = z.object({ token: z.string().min(1).max(200) });
const invitationParams = z.object({ ws: z.string(), id: z.string().uuid() });

export function presentInvitation(invitation: InvitationRecord) {
  return {
    id: invitation.id,
    status: invitation.status,
    role: invitation.role,
    ...(invitation.email ? { email: invitation.email } : {}),
    ...(invitation.username ? { username: invitation.username } : {}),
    ...(invitation.phone ? { phone: invitation.phone } : {}),
    expiresAt: invitation.expiresAt.toISOString(),
    createdAt: invitation.createdAt.toISOString(),
  };
}

export type AcceptAnswer =
  | { ok: true; workspaceId: string; role: string; phone?: InvitedPhoneOutcome }
  | { ok: false; status: 403 | 410; code: string; message: string };

/**
 * Accepts an invitation as `userId` (shared by the API and the /invite page). A phone the admin
 * gave with it is then linked to the new member, as the admin API would; how that went is
 * reported, and never undoes the membership.
 */
export async function acceptInvitation(
  runtime: HubRuntime,
  token: string,
  userId: string,
  logger: Logger,
): Promise<AcceptAnswer> {
  const user = await runtime.stores.users.get(userId);
  const outcome = await runtime.stores.invitations.accept(token, user);
  if (outcome.status === 'accepted') {
    const phone = outcome.phone
      ? await linkInvitedPhone(
          runtime.stores,
          { workspaceId: outcome.workspaceId, userId, phone: outcome.phone },
          { namespaces: runtime.namespaces, logger },
        )
      : undefined;
    return {
      ok: true,
      workspaceId: outcome.workspaceId,
      role: outcome.role,
      ...(phone ? { phone } : {}),
    };
  }
  if (outcome.status === 'gone') {
    return {
      ok: false,
      status: 410,
      code: 'invitation_gone',
      message: 'this invitation is unknown, used, canceled or expired',
    };
  }
  return { ok: false, status: 403, code: 'not_invitee', message: 'this invitation is for somebody else' };
}

export const invitationRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/invitations',
    {
      schema: routeDocs({
        operationId: 'listInvitations',
        tags: ['members'],
        summary: "The workspace's invitations, newest first; `?limit=&cursor=`",
        params: workspaceParams,
        querystring: pageQuery,
        responses: { 200: listResponse(invitationSchema) },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, WRITE_ROLES);
      const listed = await runtime.stores.invitations.list(workspace.id, parsePage(request.query));
      return { items: listed.items.map(presentInvitation), nextCursor: listed.nextCursor };
    },
  );

  app.delete<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/invitations/:id',
    {
      schema: routeDocs({
        operationId: 'cancelInvitation',
        tags: ['members'],
        summary: 'Cancel a pending invitation',
        params: invitationParams,
        responses: { 204: null },
      }),
    },
    async (request, reply) => {
      const params = invitationParams.safeParse(request.params);
      if (!params.success)
        throw badRequest('invalid_input', 'invitation id must be a UUID', params.error.issues);
      const { workspace } = await authorizeWorkspace(runtime, request, params.data.ws, WRITE_ROLES);
      await runtime.stores.invitations.cancel(workspace.id, params.data.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/invitations/accept',
    {
      schema: routeDocs({
        operationId: 'acceptInvitation',
        tags: ['members'],
        responses: { 200: invitationAcceptedSchema },
        errors: [410],
        summary:
          'Accept an invitation as the signed-in person: 200 { workspaceId, role }, with `phone` (the ' +
          'outcome of linking the phone the admin gave: linked, already_linked, identity_conflict, ...) ' +
          'when there was one; 410 unknown, used, expired or canceled; 403 signed in as someone the ' +
          'invitation is not for',
        body: acceptBody,
      }),
    },
    async (request) => {
      const principal = await requireAuth(request);
      const { token } = acceptBody.parse(request.body);
      const answer = await acceptInvitation(runtime, token, principal.userId, request.log);
      if (answer.ok) {
        return {
          workspaceId: answer.workspaceId,
          role: answer.role,
          ...(answer.phone ? { phone: answer.phone } : {}),
        };
      }
      throw answer.status === 410 ? gone(answer.code, answer.message) : forbidden(answer.message);
    },
  );
};
