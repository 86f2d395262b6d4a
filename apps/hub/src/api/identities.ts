import { isNotFound } from '@switchboard/core';
import { DeactivatedError } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { badRequest, conflict, notFound } from '../http/errors.js';
import { linkIdentityToMember } from '../identity/link-identity.js';
import { type CountryCode, parsePhoneRegion } from '../identity/phone.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { listPageQuery, pageOf, parseListPage } from './list-page.js';
import { identitySchema, linkOutcomeSchema, resolvedIdentitySchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const memberParams = z.object({ ws: z.string(), userId: z.string().uuid() });
const identityBody = z.object({
  /** `email`, `phone`, `auth` or a namespace a plugin contributes; unknown ones answer 422/400. */
  namespace: z.string().min(1).max(100),
  identifier: z.string().min(1).max(512),
});
const resolveQuery = identityBody;

export interface IdentityRoutesOptions {
  runtime: HubRuntime;
  /**
   * Region for phone numbers written without a `+` prefix. When absent, read once from
   * SWITCHBOARD_PHONE_REGION (ISO 3166-1 alpha-2); without either, numbers must be international.
   */
  phoneRegion?: CountryCode;
}

function parseMemberParams(params: unknown) {
  const parsed = memberParams.safeParse(params);
  if (!parsed.success) throw badRequest('invalid_input', 'userId must be a UUID', parsed.error.issues);
  return parsed.data;
}

/**
 * The identity graph, per workspace: link an identity to a member, list a member's identities,
 * resolve an identity to its user. Only members of the workspace are ever shown.
 */
export const identityRoutes: FastifyPluginAsync<IdentityRoutesOptions> = async (app, options) => {
  const { runtime } = options;
  const { stores } = runtime;
  const phoneRegion = options.phoneRegion ?? parsePhoneRegion(process.env.SWITCHBOARD_PHONE_REGION);

  app.post<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId/identities',
    {
      schema: routeDocs({
        operationId: 'linkMemberIdentity',
        tags: ['identities'],
        params: memberParams,
        responses: {
          201: { description: 'Linked', schema: linkOutcomeSchema },
          200: { description: 'Already linked', schema: linkOutcomeSchema },
          422: {
            description: 'Not linked: outcome invalid_phone, invalid_identifier or no_member',
            schema: linkOutcomeSchema,
          },
        },
        errors: [409],
        summary:
          'Link an identity to a member (idempotent), with the identities plugins derive from it (a ' +
          "phone's JID). 201 linked, 200 already linked, 422 with { outcome: invalid_phone | " +
          'invalid_identifier | unknown_namespace | no_member }, ' +
          '409 when another user holds the identity',
        body: identityBody,
      }),
    },
    async (request, reply) => {
      const params = parseMemberParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const body = identityBody.parse(request.body);
      try {
        const result = await linkIdentityToMember(
          stores,
          { workspaceId: workspace.id, userId: params.userId, ...body },
          { namespaces: runtime.namespaces, ...(phoneRegion ? { phoneRegion } : {}) },
        );
        const status = result.outcome === 'linked' ? 201 : result.outcome === 'already_linked' ? 200 : 422;
        return reply.code(status).send(result);
      } catch (error) {
        if (error instanceof DeactivatedError) {
          throw conflict('identity_deactivated', 'this identity is deactivated and cannot be linked again');
        }
        throw error;
      }
    },
  );

  app.get<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId/identities',
    {
      schema: routeDocs({
        operationId: 'listMemberIdentities',
        tags: ['identities'],
        summary: "A member's identities, oldest first",
        params: memberParams,
        querystring: listPageQuery,
        responses: { 200: listResponse(identitySchema, 'identities') },
      }),
    },
    async (request) => {
      const params = parseMemberParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      const page = parseListPage(request.query);
      if (!(await stores.members.find(workspace.id, params.userId))) throw notFound('member');
      // Only what this workspace may see: hub-wide identities and its own admins' assertions.
      const all = await stores.identities.listForUser(params.userId, { workspaceId: workspace.id });
      const listed = pageOf(all, page, (i) => [i.createdAt.toISOString(), i.namespace, i.identifier, i.id]);
      const identities = listed.items.map((i) => ({
        namespace: i.namespace,
        identifier: i.identifier,
        source: i.source,
        status: i.status,
        createdAt: i.createdAt.toISOString(),
      }));
      return { items: identities, nextCursor: listed.nextCursor, identities };
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/identities/resolve',
    {
      schema: routeDocs({
        operationId: 'resolveIdentity',
        tags: ['identities'],
        params: workspaceParams,
        responses: { 200: resolvedIdentitySchema },
        summary:
          'The member an identity belongs to, with the workspaces (among those the caller can see) ' +
          'they belong to; 404 unless they are a member of this workspace',
        querystring: resolveQuery,
      }),
    },
    async (request) => {
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        request.params.ws,
        READ_ROLES,
      );
      const query = resolveQuery.parse(request.query);
      const normalized = runtime.namespaces.normalize(
        query.namespace,
        query.identifier,
        phoneRegion ? { phoneRegion } : {},
      );
      if (!normalized.ok) throw badRequest(normalized.reason, normalized.message);
      const resolved = await stores.identities
        .resolve(query.namespace, normalized.identifier, { workspaceId: workspace.id })
        .catch((error: unknown) => {
          if (isNotFound(error) || error instanceof DeactivatedError) return null;
          throw error;
        });
      // A person outside this workspace answers exactly like an unknown identity.
      if (!resolved?.workspaces.some((w) => w.workspaceId === workspace.id)) throw notFound('identity');
      // Workspaces the caller is not in are left out: their ids would leak across tenants.
      const visible = new Set(principal.memberships.map((m) => m.workspaceId));
      return {
        user: resolved.user,
        identity: {
          namespace: resolved.identity.namespace,
          identifier: resolved.identity.identifier,
          source: resolved.identity.source,
        },
        workspaces: resolved.workspaces.filter((w) => visible.has(w.workspaceId)),
      };
    },
  );
};
