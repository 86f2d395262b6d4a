import type { AccountRecord } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ApiError, badRequest, notFound } from '../http/errors.js';
import { type AccountProvisioningService, AccountRequestError } from '../provisioning/account-service.js';
import { nextStep } from '../provisioning/next-step.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { accountListSchema, accountProvisionerStatusSchema, accountSchema } from './responses.js';
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
    nextStep: nextStep(account),
  };
}

const workspaceAccountParams = z.object({ ws: z.string(), accountId: z.string().uuid() });
const ACCOUNT_STATES = ['pending', 'invited', 'active', 'expired', 'failed', 'canceled'] as const;
const listQuery = z.object({
  state: z
    .string()
    .optional()
    .describe('Comma-separated states; default pending,invited,failed,expired (what needs a person)'),
});

function parseStates(raw: string | undefined) {
  if (!raw) return ['pending', 'invited', 'failed', 'expired'] as const;
  const states = raw.split(',').map((s) => s.trim());
  const unknown = states.filter((s) => !(ACCOUNT_STATES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw badRequest(
      'invalid_input',
      `unknown state ${unknown.join(', ')}; known: ${ACCOUNT_STATES.join(', ')}`,
    );
  }
  return states as (typeof ACCOUNT_STATES)[number][];
}

function toApiError(error: unknown): never {
  if (!(error instanceof AccountRequestError)) throw error;
  if (error.code === 'installation_unavailable') throw new ApiError(503, error.code, error.message);
  if (error.code === 'not_retryable') throw new ApiError(409, error.code, error.message);
  throw badRequest(error.code, error.message);
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
        toApiError(error);
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

  app.get<{ Params: { ws: string }; Querystring: { state?: string } }>(
    '/api/v1/workspaces/:ws/accounts',
    {
      schema: routeDocs({
        operationId: 'listWorkspaceAccounts',
        responses: { 200: accountListSchema },
        tags: ['accounts'],
        summary:
          'Account requests of the workspace by state (default: the pending, invited, failed and expired ones)',
        querystring: listQuery,
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const states = parseStates(listQuery.parse(request.query).state);
      return { accounts: (await accounts.listInWorkspace(workspace.id, states)).map(present) };
    },
  );

  app.delete<{ Params: { ws: string; accountId: string } }>(
    '/api/v1/workspaces/:ws/accounts/:accountId',
    {
      schema: routeDocs({
        operationId: 'cancelAccountRequest',
        responses: { 204: null },
        tags: ['accounts'],
        summary:
          'Cancel an account request and withdraw its invitation; 204 also when it was already canceled or final',
      }),
    },
    async (request, reply) => {
      const parsed = workspaceAccountParams.safeParse(request.params);
      if (!parsed.success) throw badRequest('invalid_input', 'accountId must be a UUID', parsed.error.issues);
      const { workspace } = await authorizeWorkspace(runtime, request, parsed.data.ws, WRITE_ROLES);
      const account = await accounts.cancel(workspace.id, undefined, parsed.data.accountId);
      if (!account) throw notFound('account');
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { ws: string; accountId: string } }>(
    '/api/v1/workspaces/:ws/accounts/:accountId/retry',
    {
      schema: routeDocs({
        operationId: 'retryAccountRequest',
        responses: { 200: accountSchema, 201: accountSchema },
        errors: [409],
        tags: ['accounts'],
        summary:
          'Ask the platform again: 201 with a new request for a failed, expired or canceled one, 200 with a pending one tried now',
      }),
    },
    async (request, reply) => {
      const parsed = workspaceAccountParams.safeParse(request.params);
      if (!parsed.success) throw badRequest('invalid_input', 'accountId must be a UUID', parsed.error.issues);
      const { workspace } = await authorizeWorkspace(runtime, request, parsed.data.ws, WRITE_ROLES);
      try {
        const retried = await accounts.retry(workspace.id, parsed.data.accountId);
        if (!retried) throw notFound('account');
        return reply.code(retried.created ? 201 : 200).send(present(retried.account));
      } catch (error) {
        toApiError(error);
      }
    },
  );

  app.get<{ Params: { ws: string; installationId: string } }>(
    '/api/v1/workspaces/:ws/account-installations/:installationId/status',
    {
      schema: routeDocs({
        operationId: 'getAccountInstallationStatus',
        responses: { 200: accountProvisionerStatusSchema },
        tags: ['accounts'],
        summary:
          "An account-provisioner installation's standing on its platform (plan, whether it can invite)",
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      if (!z.string().uuid().safeParse(request.params.installationId).success) throw notFound('installation');
      try {
        return await accounts.status(workspace.id, request.params.installationId);
      } catch (error) {
        toApiError(error);
      }
    },
  );
};
