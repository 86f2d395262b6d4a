import { isNotFound } from '@switchboard/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireAuth } from '../http/auth.js';
import { conflict, forbidden, notFound } from '../http/errors.js';
import { linkMemberIdentities } from '../identity/member-identities.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';

const firstAdminBody = z.object({
  username: z
    .string()
    .min(2)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dots, dashes and underscores'),
  email: z.string().email().max(320).optional(),
});

/**
 * What only the hub operator does: give a new workspace its first owner. The operator is not a
 * workspace admin, so it creates a new user and never adopts an existing one (a person already on
 * the hub joins a workspace by invitation from its admins).
 */
export const operatorRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  const { stores } = runtime;
  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/admins',
    {
      schema: routeDocs({
        tags: ['workspaces'],
        summary:
          "Hub operator only: create a workspace's first owner (a new user) and return their API token once",
        body: firstAdminBody,
      }),
    },
    async (request, reply) => {
      const principal = await requireAuth(request);
      if (!principal.operator)
        throw forbidden('only the hub operator creates the first admin of a workspace');
      const body = firstAdminBody.parse(request.body);
      const workspace = await stores.workspaces.resolve(request.params.ws).catch((error: unknown) => {
        throw isNotFound(error) ? notFound('workspace') : error;
      });
      if (await stores.workspaces.hasAdmin(workspace.id)) {
        throw conflict(
          'workspace_has_admin',
          `workspace "${workspace.slug}" already has an admin; they add people with member invite`,
        );
      }
      if (await stores.users.findByUsername(body.username)) {
        throw conflict(
          'username_taken',
          `username "${body.username}" is taken; pick another, or have an admin invite that user`,
        );
      }
      const user = await stores.users.create(body);
      await stores.members.upsert(workspace.id, user.id, 'owner');
      // Reported, never fatal: the owner exists; an admin can re-link identities later. The email
      // is the operator's word, so it is scoped to this workspace like any admin assertion.
      const identities = await linkMemberIdentities(stores.identities, user, request.log, workspace.id);
      const issued = await stores.apiTokens.issue({
        userId: user.id,
        workspaceId: workspace.id,
        name: 'first-admin',
      });
      return reply.code(201).send({
        workspace: { id: workspace.id, slug: workspace.slug },
        userId: user.id,
        username: user.username,
        role: 'owner',
        token: issued.token,
        tokenPrefix: issued.prefix,
        identities,
      });
    },
  );
};
