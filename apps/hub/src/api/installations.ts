import { isNotFound } from '@switchboard/core';
import type { InstallationRecord } from '@switchboard/db';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EgressPolicy } from '../egress/index.js';
import { badRequest } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { patchConfig, prepareConfig } from './installation-config.js';
import { assertEgressAllowed, assertSecretsFollowHost } from './installation-urls.js';
import { routeDocs } from './route-docs.js';
import { webhookPath } from './webhook-path.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const configObject = z.record(z.string(), z.unknown());
const createInstallationBody = z.object({
  // Required for channels; account-provisioner installations (no chat) have no agent.
  agentId: z.string().uuid().optional(),
  channelType: z.string().min(1).max(64),
  config: configObject.default({}),
});
const patchInstallationBody = z.object({ config: configObject });
const installationParams = z.object({ ws: z.string(), id: z.string().uuid() });

export interface InstallationRouteOptions {
  runtime: HubRuntime;
  /** Where installations may point their API base URLs. */
  egress: EgressPolicy;
  /** Base URL platforms reach the hub at; defaults to the request's own origin. */
  publicUrl?: string;
  /** Told about every write, so cached channels of this process are rebuilt at once. */
  invalidate?(installationId: string): void;
  /** The local view of the installation's long connection, when this process supervises it. */
  connectionStatus?(installationId: string): ConnectionView | undefined;
}

/** What the supervisor of this process knows about one long connection. */
export interface ConnectionView {
  connected: boolean;
  state: string;
  lastError?: string;
  lastErrorAt?: string;
  reconnectAttempts: number;
}

export const installationRoutes: FastifyPluginAsync<InstallationRouteOptions> = async (app, options) => {
  const { runtime } = options;
  const { stores, registry } = runtime;

  function present(request: FastifyRequest, installation: InstallationRecord, secretKeys: string[]) {
    const base = options.publicUrl ?? `${request.protocol}://${request.host}`;
    return {
      id: installation.id,
      agentId: installation.agentId,
      channelType: installation.channelType,
      status: installation.status,
      webhookUrl: `${base.replace(/\/$/, '')}${webhookPath(registry, installation)}`,
      // The public part only: secrets live in a sealed column and are reported by name.
      config: installation.config,
      secretsSet: secretKeys,
      createdAt: installation.createdAt.toISOString(),
      updatedAt: installation.updatedAt.toISOString(),
      revokedAt: installation.revokedAt?.toISOString() ?? null,
    };
  }

  const invalidate = (id: string) => options.invalidate?.(id);

  /** Connection, traffic and backlog of one installation, from the database and this process. */
  async function runtimeStatus(installation: InstallationRecord) {
    const [lease, backlog, lastOutboundAt] = await Promise.all([
      stores.installations.lease(installation.id),
      stores.inbox.backlog(installation.id),
      stores.outbound.lastSentAt(installation.id),
    ]);
    const local = options.connectionStatus?.(installation.id);
    const leaseLive =
      lease.owner !== null && lease.expiresAt !== null && lease.expiresAt.getTime() > Date.now();
    return {
      connected: local ? local.connected : leaseLive,
      connectionState: local?.state ?? null,
      leaseHolder: leaseLive ? lease.owner : null,
      leaseExpiresAt: lease.expiresAt?.toISOString() ?? null,
      lastInboundAt: backlog.lastInboundAt?.toISOString() ?? null,
      lastOutboundAt: lastOutboundAt?.toISOString() ?? null,
      lastError: local?.lastError ?? null,
      lastErrorAt: local?.lastErrorAt ?? null,
      reconnectAttempts: local?.reconnectAttempts ?? 0,
      inboxBacklog: backlog.pending,
      deadLetters: backlog.deadLetters,
    };
  }

  async function secretNames(id: string): Promise<string[]> {
    return Object.keys((await stores.installations.getWithSecrets(id)).secrets).sort();
  }

  function parseParams(params: unknown) {
    const parsed = installationParams.safeParse(params);
    // A malformed id cannot name an installation: answer as for any unknown one.
    if (!parsed.success)
      throw badRequest('invalid_input', 'installation id must be a UUID', parsed.error.issues);
    return parsed.data;
  }

  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/installations',
    {
      schema: routeDocs({
        tags: ['installations'],
        summary: "Install a channel for an agent; the config is validated by the channel type's schema",
        body: createInstallationBody,
      }),
    },
    async (request, reply) => {
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        request.params.ws,
        WRITE_ROLES,
      );
      const body = createInstallationBody.parse(request.body);
      const provisioner = registry.provisioner(body.channelType);
      if (provisioner) {
        const prepared = prepareConfig(provisioner, body.config);
        assertEgressAllowed(options.egress, prepared.config);
        const installation = await stores.installations.createForProvisioner({
          workspaceId: workspace.id,
          channelType: provisioner.type,
          ...prepared,
          installedByUserId: principal.userId,
        });
        return reply.code(201).send(present(request, installation, Object.keys(prepared.secrets).sort()));
      }
      const factory = registry.get(body.channelType);
      if (!body.agentId) throw badRequest('invalid_input', 'agentId is required for a channel installation');
      await stores.agents.get(workspace.id, body.agentId).catch((error: unknown) => {
        throw isNotFound(error)
          ? badRequest('unknown_agent', 'agentId does not name an agent of this workspace')
          : error;
      });
      const prepared = prepareConfig(factory, body.config);
      assertEgressAllowed(options.egress, prepared.config);
      const installation = await stores.installations.create({
        workspaceId: workspace.id,
        agentId: body.agentId,
        channelType: factory.type,
        ...prepared,
        installedByUserId: principal.userId,
      });
      invalidate(installation.id);
      return reply.code(201).send(present(request, installation, Object.keys(prepared.secrets).sort()));
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/installations',
    { schema: routeDocs({ tags: ['installations'], summary: 'List installations (secrets removed)' }) },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const installations = await stores.installations.list(workspace.id);
      return {
        installations: await Promise.all(
          installations.map(async (i) => present(request, i, await secretNames(i.id))),
        ),
      };
    },
  );

  app.get<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id',
    { schema: routeDocs({ tags: ['installations'], summary: 'Read an installation (secrets removed)' }) },
    async (request) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      const installation = await stores.installations.get(workspace.id, params.id);
      return {
        ...present(request, installation, await secretNames(installation.id)),
        runtime: await runtimeStatus(installation),
      };
    },
  );

  app.patch<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id',
    {
      schema: routeDocs({
        tags: ['installations'],
        summary: 'Update part of the config; omitted keys (secrets included) keep their value',
        body: patchInstallationBody,
      }),
    },
    async (request) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const body = patchInstallationBody.parse(request.body);
      const current = await stores.installations.get(workspace.id, params.id);
      const stored = await stores.installations.getWithSecrets(current.id);
      assertSecretsFollowHost(stored, body.config);
      const next = patchConfig(registry.get(current.channelType), stored, body.config);
      assertEgressAllowed(options.egress, next.config);
      const updated = await stores.installations.replaceConfig(workspace.id, current.id, next);
      invalidate(updated.id);
      return present(request, updated, Object.keys(next.secrets).sort());
    },
  );

  app.delete<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id',
    {
      schema: routeDocs({ tags: ['installations'], summary: 'Revoke an installation (the row is kept)' }),
    },
    async (request) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const revoked = await stores.installations.revoke(workspace.id, params.id);
      invalidate(revoked.id);
      return present(request, revoked, await secretNames(revoked.id));
    },
  );
};
