import type { AccountRecord } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ApiError, badRequest, notFound } from '../http/errors.js';
import { type AccountProvisioningService, AccountRequestError } from '../provisioning/account-service.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { accountSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const memberParams = z.object({ ws: z.string(), userId: z.string().uuid() });
const accountParams = memberParams.extend({ accountId: z.string().uuid() });
const grant = z.object({
  kind: z.string().min(1).max(64),
  target: z.string().min(1).max(256),
  role: z.string().min(1).max(64).optional(),
});
const accountBody = z.object({
  installationId: z.string().uuid(),
  login: z.string().min(1).max(256).optional(),
  email: z.string().email().max(320).optional(),
  externalId: z.string().min(1).max(256).optional(),
  role: z.string().min(1).max(64).optional(),
  teams: z.array(z.string().min(1).max(256)).max(100).optional(),
  grants: z.array(grant).max(100).optional(),
});

function present(account: AccountRecord) {
  return {
    id: account.id,
    installationId: account.installationId,
    channelType: account.channelType,
    state: account.state,
    externalId: account.externalId,
    detail: account.detail,
    grants: account.grants,
    grantsAppliedAt: account.grantsAppliedAt?.toISOString() ?? null,
    expiresAt: account.expiresAt?.toISOString() ?? null,
    lastError: account.lastError,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

/**
 * Platform accounts of a member (e.g. an org invitation), made by an account-provisioner
 * installation of the workspace. Admins ask; the row follows the platform's answers.
 */
export const accountRoutes: FastifyPluginAsync<{
  runtime: HubRuntime;
  accounts: AccountProvisioningService;
}> = async (app, options) => {
  const { runtime, accounts } = options;

  const parseParams = (params: unknown) => {
    const parsed = memberParams.safeParse(params);
    if (!parsed.success) throw badRequest('invalid_input', 'userId must be a UUID', parsed.error.issues);
    return parsed.data;
  };

  app.post<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId/accounts',
    {
      schema: routeDocs({
        operationId: 'requestMemberAccount',
        responses: { 200: accountSchema, 201: accountSchema },
        errors: [503],
        tags: ['accounts'],
        summary:
          'Ask an account-provisioner installation for a platform account for a member: 201 with the new ' +
          'request (state active, invited or failed), 200 with the open one if there is one',
        body: accountBody,
      }),
    },
    async (request, reply) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const body = accountBody.parse(request.body);
      if (!(await runtime.stores.members.find(workspace.id, params.userId))) throw notFound('member');
      const { installationId, ...input } = body;
      try {
        const { account, created } = await accounts.request(
          workspace.id,
          params.userId,
          installationId,
          input,
        );
        return reply.code(created ? 201 : 200).send(present(account));
      } catch (error) {
        if (!(error instanceof AccountRequestError)) throw error;
        if (error.code === 'installation_unavailable') throw new ApiError(503, error.code, error.message);
        throw badRequest(error.code, error.message);
      }
    },
  );

  app.delete<{ Params: { ws: string; userId: string; accountId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId/accounts/:accountId',
    {
      schema: routeDocs({
        operationId: 'cancelMemberAccount',
        responses: { 200: accountSchema },
        tags: ['accounts'],
        summary:
          'Cancel a pending or invited account request (withdraws the invitation); a final one is returned as is',
      }),
    },
    async (request) => {
      const parsed = accountParams.safeParse(request.params);
      if (!parsed.success) throw badRequest('invalid_input', 'ids must be UUIDs', parsed.error.issues);
      const { workspace } = await authorizeWorkspace(runtime, request, parsed.data.ws, WRITE_ROLES);
      const account = await accounts.cancel(workspace.id, parsed.data.userId, parsed.data.accountId);
      if (!account) throw notFound('account');
      return present(account);
    },
  );

  app.get<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId/accounts',
    {
      schema: routeDocs({
        operationId: 'listMemberAccounts',
        responses: { 200: z.object({ accounts: z.array(accountSchema) }) },
        tags: ['accounts'],
        summary: "A member's platform accounts and their lifecycle",
      }),
    },
    async (request) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      if (!(await runtime.stores.members.find(workspace.id, params.userId))) throw notFound('member');
      return { accounts: (await accounts.list(workspace.id, params.userId)).map(present) };
    },
  );
};
