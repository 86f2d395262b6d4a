import type { RedeemResult } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireAuth } from '../http/auth.js';
import { conflict, forbidden, gone } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { listPageQuery, pageOf, parseListPage } from './list-page.js';
import { bindingRedeemedSchema, bindingSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES } from './workspace-access.js';

const redeemBody = z.object({ token: z.string().min(1).max(200) });

export const bindingRoutes: FastifyPluginAsync<{ runtime: HubRuntime }> = async (app, { runtime }) => {
  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/bindings',
    {
      schema: routeDocs({
        operationId: 'listBindings',
        tags: ['bindings'],
        summary: 'Platform users bound to workspace users, oldest first',
        params: workspaceParams,
        querystring: listPageQuery,
        responses: { 200: listResponse(bindingSchema, 'bindings') },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const page = parseListPage(request.query);
      const listed = pageOf(await runtime.stores.bindings.listForWorkspace(workspace.id), page, (b) => [
        b.createdAt.toISOString(),
        b.installationId,
        b.channelUserId,
      ]);
      const bindings = listed.items.map((binding) => ({
        ...binding,
        createdAt: binding.createdAt.toISOString(),
      }));
      return { items: bindings, nextCursor: listed.nextCursor, bindings };
    },
  );

  const answer = (result: RedeemResult) => {
    switch (result.status) {
      case 'bound':
        return {
          workspaceId: result.workspaceId,
          installationId: result.installationId,
          channelUserId: result.channelUserId,
        };
      case 'gone':
        throw gone('binding_token_gone', 'this binding link is unknown, already used or expired');
      case 'conflict':
        throw conflict('already_bound', 'this platform user is bound to another user');
      case 'not_member':
        throw forbidden('you are not a member of the workspace this link belongs to');
    }
  };

  // The redeemer is whoever is signed in: the token only names the platform user to bind.
  app.post(
    '/api/v1/binding-tokens/redeem',
    {
      schema: routeDocs({
        operationId: 'redeemBindingToken',
        tags: ['bindings'],
        summary: 'Bind the platform user named by a binding token to the calling user',
        body: redeemBody,
        responses: { 200: bindingRedeemedSchema },
        errors: [409, 410],
      }),
    },
    async (request) => {
      const principal = await requireAuth(request);
      const { token } = redeemBody.parse(request.body);
      return answer(await runtime.stores.bindingTokens.redeem(token, principal.userId));
    },
  );

  // The console's "My links" form: a member of :ws binds within :ws only. A token of another
  // workspace's installation answers 410 like an unknown one, and is not used up.
  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/binding-tokens/redeem',
    {
      schema: routeDocs({
        operationId: 'redeemWorkspaceBindingToken',
        tags: ['bindings'],
        summary:
          "Bind the platform user named by a binding token (the code the bot sent) to the calling member, for one of this workspace's installations",
        params: workspaceParams,
        body: redeemBody,
        responses: { 200: bindingRedeemedSchema },
        errors: [409, 410],
      }),
    },
    async (request) => {
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        request.params.ws,
        READ_ROLES,
      );
      const { token } = redeemBody.parse(request.body);
      return answer(
        await runtime.stores.bindingTokens.redeem(token, principal.userId, { workspaceId: workspace.id }),
      );
    },
  );
};
