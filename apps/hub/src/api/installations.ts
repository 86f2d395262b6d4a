import { isNotFound } from '@switchboard/core';
import type { InstallationRecord } from '@switchboard/db';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EgressPolicy } from '../egress/index.js';
import { requireAuth } from '../http/auth.js';
import { badRequest, notFound } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { fixHintFor } from '../status/fix-hints.js';
import { channelConfigDoc } from './channel-config-docs.js';
import { installConfig, patchConfig, patchProvisionerConfig, prepareConfig } from './installation-config.js';
import { setupStepsFor } from './installation-setup.js';
import { assertEgressAllowed, assertSecretsFollowHost } from './installation-urls.js';
import { byCreation, listPageQuery, pageOf, parseListPage } from './list-page.js';
import {
  installationDetailSchema,
  installationSchema,
  installationStatusSchema,
  workspaceStatusSchema,
} from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { webhookPath } from './webhook-path.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const configObject = z.record(z.string(), z.unknown());
const createInstallationBody = z.object({
  // Required for channels; account-provisioner installations (no chat) have no agent.
  agentId: z.string().uuid().optional(),
  channelType: z.string().min(1).max(64),
  config: configObject.default({}),
});
const patchInstallationBody = z.object({
  config: configObject.describe("Keys of the channel type's config to replace; omitted keys are kept"),
});
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
  /** Outbound HTTP of adapters checking a config with their platform (default global fetch). */
  fetch?: typeof globalThis.fetch;
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
  const createBodyDoc = createInstallationBody.extend({ config: channelConfigDoc(registry) });

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
  const platformDeps = (request: FastifyRequest) => ({
    logger: request.log,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  /**
   * Connection, traffic and backlog of one installation. The connection part is this process's
   * own view while it holds the connection (freshest), else what the holder last wrote to
   * `channel_installation_status` (at most about a second old), so every replica answers the same.
   */
  async function runtimeStatus(installation: InstallationRecord) {
    const [lease, backlog, lastOutboundAt, reported] = await Promise.all([
      stores.installations.lease(installation.id),
      stores.inbox.backlog(installation.id),
      stores.outbound.lastSentAt(installation.id),
      stores.installationStatus.get(installation.id),
    ]);
    const seen = options.connectionStatus?.(installation.id);
    const local = seen && seen.state !== 'parked' ? seen : undefined;
    const leaseLive =
      lease.owner !== null && lease.expiresAt !== null && lease.expiresAt.getTime() > Date.now();
    const lastError = local ? local.lastError : (reported?.lastError ?? seen?.lastError);
    return {
      connected: local ? local.connected : reported ? reported.state === 'connected' && leaseLive : leaseLive,
      connectionState: local?.state ?? reported?.state ?? seen?.state ?? null,
      leaseHolder: leaseLive ? lease.owner : null,
      leaseExpiresAt: lease.expiresAt?.toISOString() ?? null,
      lastInboundAt: latest(backlog.lastInboundAt, reported?.lastInboundAt),
      lastOutboundAt: latest(lastOutboundAt, reported?.lastOutboundAt),
      lastError: lastError ?? null,
      lastErrorAt:
        (local ? local.lastErrorAt : (reported?.lastErrorAt?.toISOString() ?? seen?.lastErrorAt)) ?? null,
      lastErrorHint: lastError ? fixHintFor(lastError) : null,
      reconnectAttempts: local?.reconnectAttempts ?? 0,
      reconnectCount: reported?.reconnectCount ?? 0,
      reportedBy: reported?.reportedBy ?? null,
      reportedAt: reported?.updatedAt.toISOString() ?? null,
      inboxBacklog: backlog.pending,
      deadLetters: backlog.deadLetters,
      problems: installation.status === 'active' ? (reported?.problems ?? []) : [],
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
        operationId: 'createInstallation',
        tags: ['installations'],
        summary: "Install a channel for an agent; the config is validated by the channel type's schema",
        params: workspaceParams,
        body: createBodyDoc,
        responses: { 201: installationSchema },
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
      // The platform check connects to the config's URLs: they pass the egress policy first.
      assertEgressAllowed(options.egress, body.config);
      const prepared = await installConfig(factory, body.config, platformDeps(request));
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
    {
      schema: routeDocs({
        operationId: 'listInstallations',
        tags: ['installations'],
        summary: 'List installations (secrets removed), oldest first',
        params: workspaceParams,
        querystring: listPageQuery,
        responses: { 200: listResponse(installationSchema, 'installations') },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const page = parseListPage(request.query);
      const listed = pageOf(await stores.installations.list(workspace.id), page, byCreation);
      const installations = await Promise.all(
        listed.items.map(async (i) => present(request, i, await secretNames(i.id))),
      );
      return { items: installations, nextCursor: listed.nextCursor, installations };
    },
  );

  app.get<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id',
    {
      schema: routeDocs({
        operationId: 'getInstallation',
        tags: ['installations'],
        summary: 'Read an installation (secrets removed) with its runtime status',
        params: installationParams,
        responses: { 200: installationDetailSchema },
      }),
    },
    async (request) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      const installation = await stores.installations.get(workspace.id, params.id);
      const presented = present(request, installation, await secretNames(installation.id));
      return {
        ...presented,
        setupSteps: setupStepsFor(registry, installation.channelType, presented.webhookUrl, request.log),
        runtime: await runtimeStatus(installation),
      };
    },
  );

  app.get<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id/status',
    {
      schema: routeDocs({
        operationId: 'getInstallationStatus',
        tags: ['installations'],
        summary:
          'Connection (state, lease holder, last error with a fix hint, reconnects), traffic and backlog of one installation, the same from every replica',
        params: installationParams,
        responses: { 200: installationStatusSchema },
      }),
    },
    async (request) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      const installation = await stores.installations.get(workspace.id, params.id);
      return { id: installation.id, status: installation.status, runtime: await runtimeStatus(installation) };
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/status',
    {
      schema: routeDocs({
        operationId: 'getWorkspaceStatus',
        tags: ['installations'],
        summary:
          "Every active installation's status with the health monitor's problems (what `switchboard status` prints); admins and the hub operator",
        params: workspaceParams,
        responses: { 200: workspaceStatusSchema },
      }),
    },
    async (request) => {
      // The hub operator reads it too: it is the health of the hub's connections, and holds no
      // secret, message or person.
      const principal = await requireAuth(request);
      const workspace = principal.operator
        ? await stores.workspaces.resolve(request.params.ws).catch((error: unknown) => {
            throw isNotFound(error) ? notFound('workspace') : error;
          })
        : (await authorizeWorkspace(runtime, request, request.params.ws, WRITE_ROLES)).workspace;
      const active = (await stores.installations.list(workspace.id)).filter((i) => i.status === 'active');
      const items = await Promise.all(
        active.map(async (installation) => ({
          id: installation.id,
          status: installation.status,
          channelType: installation.channelType,
          displayName: displayNameOf(registry, installation.channelType),
          runtime: await runtimeStatus(installation),
        })),
      );
      return { items };
    },
  );

  app.patch<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id',
    {
      schema: routeDocs({
        operationId: 'updateInstallation',
        tags: ['installations'],
        summary: 'Update part of the config; omitted keys (secrets included) keep their value',
        params: installationParams,
        body: patchInstallationBody,
        responses: { 200: installationSchema },
      }),
    },
    async (request) => {
      const params = parseParams(request.params);
      const { workspace } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const body = patchInstallationBody.parse(request.body);
      const current = await stores.installations.get(workspace.id, params.id);
      const stored = await stores.installations.getWithSecrets(current.id);
      assertSecretsFollowHost(stored, body.config);
      assertEgressAllowed(options.egress, { ...stored.config, ...body.config });
      // Account-provisioner installations follow the same rules; they have no platform check.
      const provisioner = registry.provisioner(current.channelType);
      const next = provisioner
        ? patchProvisionerConfig(provisioner, stored, body.config)
        : await patchConfig(registry.get(current.channelType), stored, body.config, platformDeps(request));
      assertEgressAllowed(options.egress, next.config);
      const updated = await stores.installations.replaceConfig(workspace.id, current.id, next);
      invalidate(updated.id);
      return present(request, updated, Object.keys(next.secrets).sort());
    },
  );

  app.delete<{ Params: { ws: string; id: string } }>(
    '/api/v1/workspaces/:ws/installations/:id',
    {
      schema: routeDocs({
        operationId: 'revokeInstallation',
        tags: ['installations'],
        summary: 'Revoke an installation (the row is kept)',
        params: installationParams,
        responses: { 200: installationSchema },
      }),
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

function displayNameOf(registry: HubRuntime['registry'], channelType: string): string {
  const factory = registry.has(channelType) ? registry.get(channelType) : registry.provisioner(channelType);
  return factory?.displayName ?? channelType;
}

function latest(...dates: Array<Date | null | undefined>): string | null {
  const times = dates.filter((date): date is Date => date instanceof Date).map((date) => date.getTime());
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : null;
}
