import type { EgressLookup } from '@switchboard/core';
import { ConsoleSessionStore } from '@switchboard/db';
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { AgentPools } from './agent-delivery/agent-pools.js';
import { accountRoutes } from './api/accounts.js';
import { activityRoutes } from './api/activity.js';
import { agentHealthRoutes } from './api/agent-health.js';
import { agentRoutes } from './api/agents.js';
import { auditRoutes } from './api/audit.js';
import { bindingRoutes } from './api/bindings.js';
import { channelConfigComponents } from './api/channel-config-docs.js';
import { channelTypeRoutes } from './api/channel-types.js';
import { deadLetterRoutes } from './api/dead-letters.js';
import { translateDomainErrors } from './api/domain-errors.js';
import { identityRoutes } from './api/identities.js';
import { identityVerificationRoutes } from './api/identity-verification.js';
import { installationParkingRoutes } from './api/installation-parking.js';
import { installationRoutes } from './api/installations.js';
import { acceptInvitation, invitationRoutes } from './api/invitations.js';
import { mediaRoutes } from './api/media.js';
import { memberRoutes } from './api/members.js';
import { operatorRoutes } from './api/operator.js';
import { outboundRoutes } from './api/outbound.js';
import { outboundMessageListRoutes } from './api/outbound-messages.js';
import { documentOnlyValidation } from './api/route-docs.js';
import { sessionRoutes } from './api/sessions.js';
import { tokenRoutes } from './api/tokens.js';
import { workspaceRoutes } from './api/workspaces.js';
import { loginLinkRoutes } from './console/login-link-route.js';
import { consolePlugin } from './console/plugin.js';
import { DEFAULT_SESSION_TTL_MS } from './console/session.js';
import { consoleSessionPrincipal } from './console/session-principal.js';
import { EgressPolicy, egressFetch, guardedLookup } from './egress/index.js';
import { HealthMonitor } from './health/health-monitor.js';
import { pointsAtWrongSecret, type VerifyFailureSink } from './health/verify-failures.js';
import { bearerAuth, type Principal } from './http/auth.js';
import { healthRoutes } from './http/health.js';
import { linkPageRoutes } from './http/link-page.js';
import { createMetricsRegistry, metricsRoutes } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import type { OperatorCredential } from './http/operator.js';
import { DEFAULT_RATE_LIMITS, type RateLimits, registerRateLimit } from './http/rate-limit.js';
import { createHttpServer } from './http/server.js';
import { createProvisioner } from './identity/provisioner.js';
import { singleFlight } from './identity/single-flight.js';
import { AppInstallationDirectory } from './ingress/app-installations.js';
import { backfillAppInstallationKeys } from './ingress/app-keys.js';
import { appRoutes } from './ingress/app-route.js';
import { createAppRouteMetrics } from './ingress/app-route-metrics.js';
import type { UnknownInstallationLimiter } from './ingress/unknown-rate-limit.js';
import { webhookRoutes } from './ingress/webhook-route.js';
import { Pipeline } from './pipeline/index.js';
import { createPipelineMetrics } from './pipeline/metrics.js';
import {
  defaultPipelineSettings,
  mergeSettings,
  type PipelineSettingsOverrides,
  stripUndefined,
} from './pipeline/settings.js';
import { AccountProvisioningService } from './provisioning/account-service.js';
import { accountWebhookRoutes } from './provisioning/account-webhook-route.js';
import { ProvisionerHost } from './provisioning/provisioner-host.js';
import { AccountReconciler, type AccountReconcileTiming } from './provisioning/reconcile-job.js';
import type { HubRuntime } from './runtime/open-runtime.js';
import { createReadinessCheck } from './runtime/readiness.js';
import { createStatusMetrics } from './status/status-metrics.js';
import { StatusReporter } from './status/status-reporter.js';
import { newReplicaId, type Supervisor, startSupervisor } from './supervisor/index.js';

export const HUB_VERSION = '0.1.0';

export type HubRole = 'all' | 'ingress' | 'worker';

export const HUB_ROLES: readonly HubRole[] = ['all', 'ingress', 'worker'];

export interface HubAppOptions {
  runtime: HubRuntime;
  logger: pino.Logger;
  publicUrl?: string;
  pipeline?: PipelineSettingsOverrides;
  /** Start the inbox and outbound workers and the retention job (default true). */
  workers?: boolean;
  /**
   * What this process does (`switchboard start --role`): `ingress` serves the API, webhooks and
   * long connections and records events; `worker` delivers them to agents and sends replies,
   * serving only health and metrics; `all` (default) both. Run `ingress` and `worker` processes
   * side by side so delivery does not share an event loop with ingress.
   */
  role?: HubRole;
  /**
   * Every outbound HTTP call of channels and agent deliveries goes through this. Default: fetch
   * whose connections follow `egress` for channels, and keep-alive pools per agent origin (same policy)
   * for agent deliveries.
   */
  fetch?: typeof globalThis.fetch;
  /** Where workspaces may make the hub connect; default from SWITCHBOARD_EGRESS_ALLOW. */
  egress?: EgressPolicy;
  /** Rate limit for webhooks naming no active installation (tests pass one on a fixed clock). */
  unknownLimiter?: UnknownInstallationLimiter;
  /** The clock of retry budgets and agent circuits (tests move it); default Date.now. */
  now?: () => number;
  /**
   * Requests per minute per client address on `/api/v1` and `/hooks` (0 turns one off; `false`
   * both). Default DEFAULT_RATE_LIMITS.
   */
  rateLimit?: Partial<RateLimits> | false;
  /** Fail responses that do not match their documented schema (tests keep the document true). */
  checkResponses?: boolean;
  /** Hold long connections (Socket Mode, WS) under leases; absent means this process holds none. */
  connections?: {
    disabled?: boolean;
    leaseTtlMs?: number;
    scanEveryMs?: number;
    restartBudget?: number;
    missedHeartbeats?: number;
  };
  /**
   * The health monitor (stale connections, refused tokens, signature failures, spent restart
   * budgets); it runs where the workers run. `intervalMs` defaults to 10_000.
   */
  health?: { intervalMs?: number; disabled?: boolean; signatureThreshold?: number };
  /** This replica's opaque id (lease holder, status reports); default a random one. */
  replicaId?: string;
  /** How often installation status is written at most, per installation (default 1_000 ms). */
  statusIntervalMs?: number;
  /** The hub-wide operator credential of this process (see http/operator.ts); absent: none. */
  operator?: OperatorCredential;
  /** The scheduled pass over open account requests (runs with the workers). */
  accountReconcile?: AccountReconcileTiming & { disabled?: boolean };
  /** The operator console at /console (default: served, sessions of 12 h). */
  console?: { sessionTtlMs?: number; signInPerMinute?: number };
}

export interface HubApp {
  app: FastifyInstance;
  pipeline: Pipeline;
  supervisor?: Supervisor;
  /** Always present; its timer runs only where the workers run. */
  health: HealthMonitor;
  /** Writes pending status reports now (tests; the reporter also writes on its own interval). */
  flushStatus(): Promise<void>;
}

/**
 * Assembles the HTTP surface (health, metrics, OpenAPI, webhook ingress, admin and agent API)
 * and the pipeline behind it. Listening is the caller's; closing the app stops the workers.
 */
export async function buildHub(options: HubAppOptions): Promise<HubApp> {
  const { runtime } = options;
  // Before anything reads installations by app: rows older than their type's key rule get keys.
  await backfillAppInstallationKeys(runtime.registry, runtime.stores.installations, options.logger);
  const app = createHttpServer({ logger: options.logger, checkResponses: options.checkResponses ?? false });
  const limits: RateLimits =
    options.rateLimit === false
      ? { apiPerMinute: 0, hooksPerMinute: 0 }
      : { ...DEFAULT_RATE_LIMITS, ...stripUndefined(options.rateLimit ?? {}) };
  const metricsRegistry = createMetricsRegistry();
  const publicUrl = options.publicUrl ?? 'http://127.0.0.1:8787';
  const egress = options.egress ?? EgressPolicy.fromEnv();
  // Channels and agent deliveries connect only where the egress policy allows, checked on the
  // address each socket actually goes to.
  const transport = {
    fetch: options.fetch ?? egressFetch(egress),
    lookup: guardedLookup(egress) as EgressLookup,
  };
  const pipelineMetrics = createPipelineMetrics(metricsRegistry);
  const replicaId = options.replicaId ?? newReplicaId();
  const provisioner = singleFlight(createProvisioner(runtime, { logger: options.logger }));
  let supervisor: Supervisor | undefined;
  const status = new StatusReporter({
    store: runtime.stores.installationStatus,
    replicaId,
    logger: options.logger,
    connections: () => supervisor?.statuses() ?? [],
    metrics: createStatusMetrics(metricsRegistry),
    ...(options.statusIntervalMs ? { intervalMs: options.statusIntervalMs } : {}),
  });
  const pipeline = new Pipeline({
    activity: {
      inbound: (id) => status.inbound(id),
      outbound: (id) => status.outbound(id),
      credentialsRefused: (id, message) => status.credentialsRefused(id, message),
    },
    runtime,
    logger: options.logger,
    settings: mergeSettings(defaultPipelineSettings(publicUrl), options.pipeline),
    metrics: pipelineMetrics,
    provisioner,
    ...transport,
    // Agent deliveries are the hot path: pooled `request`s instead of `fetch` (see AgentPools).
    ...(options.fetch ? {} : { agentPools: new AgentPools({ egress }) }),
    ...(options.now ? { now: options.now } : {}),
  });
  const role = options.role ?? 'all';
  supervisor =
    options.connections && role !== 'worker'
      ? startSupervisor({
          runtime,
          ownerId: replicaId,
          provisioner,
          logger: options.logger,
          ...stripUndefined(options.connections),
          transport,
          // A long connection's event is acknowledged to the platform only after this resolves.
          emit: async (installationId, event) => {
            const lookup = await pipeline.channels.lookup(installationId);
            if (lookup.status !== 'active')
              throw new Error(`installation ${installationId} is ${lookup.status}`);
            await pipeline.recorder.record(lookup.installation.record, [event]);
          },
        })
      : undefined;
  status.start();
  const health = new HealthMonitor({
    store: runtime.stores.installationStatus,
    registry: runtime.registry,
    logger: options.logger,
    ...stripUndefined({
      intervalMs: options.health?.intervalMs,
      signatureThreshold: options.health?.signatureThreshold,
    }),
  });
  const onVerifyFailed: VerifyFailureSink = (installationId, reason) => {
    if (pointsAtWrongSecret(reason)) status.signatureFailed(installationId);
  };
  const flushStatus = () => status.flush();
  app.addHook('onClose', async () => {
    await health.stop();
    await supervisor?.stop();
    await pipeline.stop();
    await status.stop();
  });

  await registerOpenApi(
    app,
    { title: 'Switchboard hub', version: HUB_VERSION },
    { schemas: channelConfigComponents(runtime.registry) },
  );
  await app.register(healthRoutes, { readiness: createReadinessCheck(runtime.database) });
  await app.register(metricsRoutes, { registry: metricsRegistry });
  const runsWorkers = options.workers !== false && role !== 'ingress';
  if (runsWorkers && options.health?.disabled !== true) health.start();
  if (role === 'worker') {
    if (runsWorkers) pipeline.start();
    return { app, pipeline, health, flushStatus };
  }
  await app.register(async (hooks) => {
    await registerRateLimit(hooks, limits.hooksPerMinute);
    await hooks.register(webhookRoutes, {
      channels: pipeline.channels,
      recorder: pipeline.recorder,
      metrics: pipelineMetrics,
      onVerifyFailed,
      ...(options.unknownLimiter ? { unknownLimiter: options.unknownLimiter } : {}),
    });
  });
  const provisioners = new ProvisionerHost({
    installations: runtime.stores.installations,
    registry: runtime.registry,
    logger: options.logger,
    fetch: transport.fetch,
  });
  const accounts = new AccountProvisioningService({
    stores: runtime.stores,
    host: provisioners,
    namespaces: runtime.namespaces,
    logger: options.logger,
    credentials: {
      refused: (id, message) => status.credentialsRefused(id, message),
      accepted: (id) => status.credentialsAccepted(id),
    },
  });
  const accountReconciler = new AccountReconciler({
    db: runtime.database.prisma,
    stores: runtime.stores,
    accounts,
    ownerId: replicaId,
    logger: options.logger,
    ...stripUndefined(options.accountReconcile ?? {}),
  });
  if (options.workers !== false && options.accountReconcile?.disabled !== true) accountReconciler.start();
  app.addHook('onClose', async () => {
    await accountReconciler.stop();
    // Deferred webhook work finishes before the database goes (else the next pass redoes it).
    await accounts.drain();
  });
  await app.register(accountWebhookRoutes, {
    host: provisioners,
    accounts,
    metrics: pipelineMetrics,
    onVerifyFailed,
    ...(options.unknownLimiter ? { unknownLimiter: options.unknownLimiter } : {}),
  });
  const appInstallations = new AppInstallationDirectory({
    installations: runtime.stores.installations,
    logger: options.logger,
  });
  await app.register(appRoutes, {
    registry: runtime.registry,
    directory: appInstallations,
    recorder: pipeline.recorder,
    metrics: pipelineMetrics,
    appMetrics: createAppRouteMetrics(metricsRegistry),
    onVerifyFailed,
    ...(options.unknownLimiter ? { unknownLimiter: options.unknownLimiter } : {}),
  });
  await app.register(linkPageRoutes, {
    stores: runtime.stores,
    acceptInvitation: (token, userId) => acceptInvitation(runtime, token, userId, options.logger),
  });

  await app.register(async (api) => {
    translateDomainErrors(api);
    documentOnlyValidation(api);
    await registerRateLimit(api, limits.apiPerMinute);
    await api.register(bearerAuth, {
      // Console sessions are bearer credentials too: the console calls this API in process.
      authenticate: async (token): Promise<Principal | null> =>
        options.operator?.authenticate(token) ??
        (ConsoleSessionStore.isSessionToken(token)
          ? consoleSessionPrincipal(await runtime.stores.consoleSessions.authenticate(token))
          : runtime.stores.apiTokens.authenticate(token)),
    });
    await api.register(loginLinkRoutes, { stores: runtime.stores, publicUrl });
    await api.register(installationParkingRoutes, { runtime });
    await api.register(workspaceRoutes, { runtime });
    await api.register(operatorRoutes, { runtime });
    await api.register(memberRoutes, { runtime, publicUrl });
    await api.register(invitationRoutes, { runtime });
    await api.register(tokenRoutes, { runtime });
    await api.register(identityRoutes, { runtime });
    await api.register(identityVerificationRoutes, { runtime, channels: pipeline.channels });
    await api.register(agentRoutes, { runtime, egress });
    await api.register(installationRoutes, {
      runtime,
      egress,
      publicUrl: options.publicUrl,
      invalidate: (id) => {
        pipeline.channels.invalidate(id);
        appInstallations.invalidate();
      },
      // Install-time platform checks connect like the channels do (egress policy).
      fetch: transport.fetch,
      ...(supervisor ? { connectionStatus: (id: string) => supervisor.status(id) } : {}),
    });
    await api.register(accountRoutes, { runtime, accounts });
    await api.register(auditRoutes, { runtime });
    await api.register(channelTypeRoutes, { runtime });
    await api.register(bindingRoutes, { runtime });
    await api.register(deadLetterRoutes, { runtime, wake: () => pipeline.wakeInbox() });
    await api.register(agentHealthRoutes, { runtime, circuits: pipeline.circuits });
    await api.register(outboundRoutes, { runtime, pipeline, egress });
    await api.register(mediaRoutes, {
      runtime,
      pipeline,
      onCredentialsRefused: (id, message) => status.credentialsRefused(id, message),
    });
    await api.register(outboundMessageListRoutes, { runtime });
    await api.register(activityRoutes, { runtime });
    await api.register(sessionRoutes, { runtime, pipeline });
  });
  await app.register(consolePlugin, {
    stores: runtime.stores,
    sessionTtlMs: options.console?.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    signInPerMinute: options.rateLimit === false ? 0 : (options.console?.signInPerMinute ?? 30),
  });
  if (runsWorkers) pipeline.start();
  return { app, pipeline, health, flushStatus, ...(supervisor ? { supervisor } : {}) };
}

/** The HTTP app alone (callers that do not need the pipeline handle). */
export async function buildHubApp(options: HubAppOptions): Promise<FastifyInstance> {
  return (await buildHub(options)).app;
}
