import { cappedRole, type MemberRole, roleWithin, type TokenRecord } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { badRequest, forbidden, notFound } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { pageQuery, parsePage } from './pagination.js';
import { issuedTokenSchema, tokenSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const DAY_MS = 86_400_000;

const createTokenBody = z.object({
  name: z.string().min(1).max(100),
  userId: z.string().uuid().optional(),
  role: z.enum(['owner', 'admin', 'member']).optional(),
  expiresInDays: z.number().int().min(1).max(365).default(90),
});
const tokenParams = z.object({ ws: z.string(), tokenId: z.string().uuid() });

function presentToken(token: TokenRecord) {
  return {
    id: token.id,
    prefix: token.prefix,
    name: token.name,
    userId: token.userId,
    role: token.role,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}

/**
 * API tokens of a workspace. Owners and admins issue them for any member, a member for
 * themselves; a token's role is never above its member's role nor the issuer's. Lists show the
 * prefix, never the token.
 */
export const tokenRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  const { stores } = runtime;
  const callerRole = (
    principal: { memberships: ReadonlyArray<{ workspaceId: string; role: MemberRole }> },
    ws: string,
  ) => principal.memberships.find((m) => m.workspaceId === ws)?.role ?? 'member';

  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/tokens',
    {
      schema: routeDocs({
        operationId: 'createToken',
        tags: ['tokens'],
        params: workspaceParams,
        responses: { 201: issuedTokenSchema },
        summary:
          'Issue an API token scoped to this workspace (shown once). Admins for any member, members ' +
          'for themselves; role defaults to the member role and is never above it; expires in 90 days by default',
        body: createTokenBody,
      }),
    },
    async (request, reply) => {
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        request.params.ws,
        READ_ROLES,
      );
      const body = createTokenBody.parse(request.body);
      const issuerRole = callerRole(principal, workspace.id);
      const userId = body.userId ?? principal.userId;
      if (userId !== principal.userId && !WRITE_ROLES.includes(issuerRole)) {
        throw forbidden('only an owner or admin issues tokens for other members');
      }
      const member = await stores.members.find(workspace.id, userId);
      if (!member) throw notFound('member');
      const limit = cappedRole(member.role, issuerRole);
      const role = body.role ?? limit;
      if (!roleWithin(role, limit)) {
        throw badRequest('role_too_high', `a token for this member can have at most the role ${limit}`);
      }
      const expiresAt = new Date(Date.now() + body.expiresInDays * DAY_MS);
      const issued = await stores.apiTokens.issue({
        userId,
        workspaceId: workspace.id,
        name: body.name,
        role,
        expiresAt,
      });
      const stored = await stores.apiTokens.get(workspace.id, issued.id);
      return reply.code(201).send({
        id: issued.id,
        token: issued.token,
        prefix: issued.prefix,
        name: stored.name,
        userId,
        workspaceId: workspace.id,
        role,
        expiresAt: expiresAt.toISOString(),
        createdAt: stored.createdAt.toISOString(),
      });
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/tokens',
    {
      schema: routeDocs({
        operationId: 'listTokens',
        tags: ['tokens'],
        params: workspaceParams,
        querystring: pageQuery,
        responses: { 200: listResponse(tokenSchema) },
        summary: "The workspace's tokens (admins: all; members: their own), newest first; `?limit=&cursor=`",
      }),
    },
    async (request) => {
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        request.params.ws,
        READ_ROLES,
      );
      const page = parsePage(request.query);
      const own = !WRITE_ROLES.includes(callerRole(principal, workspace.id));
      const listed = await stores.apiTokens.list(workspace.id, {
        ...page,
        ...(own ? { userId: principal.userId } : {}),
      });
      return { items: listed.items.map(presentToken), nextCursor: listed.nextCursor };
    },
  );

  app.delete<{ Params: { ws: string; tokenId: string } }>(
    '/api/v1/workspaces/:ws/tokens/:tokenId',
    {
      schema: routeDocs({
        operationId: 'revokeToken',
        tags: ['tokens'],
        params: tokenParams,
        responses: { 204: null },
        summary: 'Revoke a token (it answers 401 afterwards); members may revoke only their own',
      }),
    },
    async (request, reply) => {
      const params = tokenParams.safeParse(request.params);
      if (!params.success) throw badRequest('invalid_input', 'tokenId must be a UUID', params.error.issues);
      const { workspace, principal } = await authorizeWorkspace(runtime, request, params.data.ws, READ_ROLES);
      const token = await stores.apiTokens.get(workspace.id, params.data.tokenId);
      // Another member's token is answered like an unknown one: its existence is not theirs to know.
      if (token.userId !== principal.userId && !WRITE_ROLES.includes(callerRole(principal, workspace.id))) {
        throw notFound('token');
      }
      await stores.apiTokens.revoke(token.id);
      return reply.code(204).send();
    },
  );
};
