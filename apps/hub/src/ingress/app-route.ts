import {
  type AppRouteResult,
  type InboundEvent,
  MalformedPayloadError,
  type Registry,
} from '@switchboard/core';
import type { InstallationRecord } from '@switchboard/db';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { VerifyFailureSink } from '../health/verify-failures.js';
import { errorEnvelope } from '../http/error-response.js';
import { MAX_JSON_DEPTH, rawBodyNestsTooDeep } from '../http/safe-json.js';
import type { EventRecorder } from '../pipeline/event-recorder.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import type { AppInstallation, AppInstallationDirectory, AppInstallations } from './app-installations.js';
import type { AppRouteMetrics, RefusedTargetReason } from './app-route-metrics.js';
import { refusalStatus } from './refusal-status.js';
import { UnknownInstallationLimiter } from './unknown-rate-limit.js';
import { toWebhookRequest } from './webhook-request.js';
import { hookDocs, keepBodiesAsBytes } from './webhook-route.js';

export interface AppRouteOptions {
  registry: Registry;
  directory: AppInstallationDirectory;
  recorder: EventRecorder;
  metrics?: PipelineMetrics;
  appMetrics?: AppRouteMetrics;
  /** Rate limit for requests naming no app with an active installation, per source address. */
  unknownLimiter?: UnknownInstallationLimiter;
  /** Counts refused signatures; charged to the installation whose secret verified the request. */
  onVerifyFailed?: VerifyFailureSink;
}

type Params = { type: string; appKey: string };

/**
 * `POST /hooks/app/:type/:appKey` (and `GET`, for subscription challenges): one URL per platform
 * app whose events name the installation in the payload. Verified once with the app secret the
 * app's installations share, split per installation, each part recorded in that installation's
 * inbox rows. Invariants: the 200 is sent only after every part's inbox commit; a part that names
 * no single active installation is counted and never written (no row, no audit).
 */
export const appRoutes: FastifyPluginAsync<AppRouteOptions> = async (app, options) => {
  keepBodiesAsBytes(app);
  const unknownLimiter = options.unknownLimiter ?? new UnknownInstallationLimiter();

  const handler = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const receivedAt = new Date();
    const { type, appKey } = request.params;
    const refuse = (status: number, code: string, message: string) => {
      options.metrics?.rejected.inc({ code });
      return reply.code(status).send(errorEnvelope(code, message));
    };
    const factory = options.registry.has(type) ? options.registry.get(type) : undefined;
    const route = factory?.appRoute;
    const found: AppInstallations | undefined =
      factory && route && appKey.length <= 256 ? await options.directory.find(factory, appKey) : undefined;
    if (!found || (found.installations.length === 0 && found.brokenKeys.size === 0)) {
      // Like unknown installation ids: counted, rate limited per source, never written.
      if (!unknownLimiter.take(request.ip)) {
        return refuse(429, 'rate_limited', 'too many requests for unknown apps');
      }
      request.log.debug({ type: type.slice(0, 64) }, 'app webhook for no active installation');
      return refuse(404, 'unknown_app', 'no active installation of this channel type has this app key');
    }
    const [verifier] = found.installations;
    if (!route || !verifier) {
      return refuse(
        503,
        'installation_unavailable',
        'the installations of this app cannot be started; see doctor',
      );
    }
    if (rawBodyNestsTooDeep(request.body, request.headers['content-type'])) {
      return refuse(400, 'json_too_deep', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const webhookRequest = toWebhookRequest(request, receivedAt);
    let routed: AppRouteResult;
    let parts: Array<{ record: InstallationRecord; events: InboundEvent[] }>;
    let unavailable = 0;
    try {
      // One verification for the whole request: every installation of the app holds its secret.
      const verdict = route.verify(webhookRequest, verifier.config);
      if (!verdict.ok) {
        options.onVerifyFailed?.(verifier.record.id, verdict.reason);
        return refuse(refusalStatus(verdict.status), verdict.reason, verdict.message);
      }
      routed = route.route(webhookRequest, verifier.config);
      parts = [];
      for (const target of routed.targets) {
        const resolved = resolveTarget(found, target.installationKey);
        if ('refused' in resolved) {
          options.appMetrics?.refusedTargets.inc({ reason: resolved.refused });
          if (resolved.refused === 'installation_unavailable') unavailable += 1;
          continue;
        }
        parts.push({ record: resolved.record, events: target.events(resolved.record.id) });
      }
    } catch (error) {
      if (error instanceof MalformedPayloadError) {
        options.metrics?.rejected.inc({ code: 'malformed_payload' });
        return reply.code(400).send(errorEnvelope('malformed_payload', error.message, error.issues));
      }
      request.log.error({ err: error, channelType: type }, 'adapter failed on an app webhook');
      return refuse(500, 'adapter_failed', `the ${type} adapter failed on this request`);
    }
    const outcomes = await Promise.all(
      parts
        .filter((part) => part.events.length > 0)
        .map((part) => options.recorder.record(part.record, part.events)),
    );
    const flat = outcomes.flat();
    options.metrics?.recorded.inc(flat.filter((o) => o === 'recorded').length);
    options.metrics?.duplicates.inc(flat.filter((o) => o === 'duplicate').length);
    if (unavailable > 0) {
      // The rest is committed; the platform's retry brings this part again, and dedup drops the rest.
      return refuse(503, 'installation_unavailable', 'an installation this batch names cannot be started');
    }
    if (routed.response) {
      if (routed.response.headers) reply.headers(routed.response.headers);
      return reply.code(routed.response.status).send(routed.response.body ?? '');
    }
    return reply.code(200).send({ ok: true });
  };

  const params = z.object({
    type: z.string().describe('The channel type'),
    appKey: z.string().describe("The app's key (e.g. its app id), as the channel type names it"),
  });
  app.post(
    '/hooks/app/:type/:appKey',
    { schema: hookDocs('receiveAppWebhook', 'A platform event for any installation of one app', params) },
    handler,
  );
  app.get(
    '/hooks/app/:type/:appKey',
    { schema: hookDocs('verifyAppWebhook', "Subscription checks of an app's callback URL", params) },
    handler,
  );
};

function resolveTarget(
  found: AppInstallations,
  installationKey: string,
): AppInstallation | { refused: RefusedTargetReason } {
  const matches = found.byKey.get(installationKey) ?? [];
  const [only] = matches;
  if (matches.length === 1 && only) return only;
  if (matches.length > 1) return { refused: 'ambiguous_target' };
  return { refused: found.brokenKeys.has(installationKey) ? 'installation_unavailable' : 'unknown_target' };
}
