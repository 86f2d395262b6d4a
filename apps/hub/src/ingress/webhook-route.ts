import { MalformedPayloadError } from '@switchboard/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { routeDocs } from '../api/route-docs.js';
import type { ChannelHost } from '../channels/host.js';
import type { VerifyFailureSink } from '../health/verify-failures.js';
import { errorEnvelope } from '../http/error-response.js';
import { MAX_JSON_DEPTH, rawBodyNestsTooDeep } from '../http/safe-json.js';
import type { EventRecorder } from '../pipeline/event-recorder.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import { refusalStatus } from './refusal-status.js';
import { UnknownInstallationLimiter } from './unknown-rate-limit.js';
import { toWebhookRequest } from './webhook-request.js';

export interface WebhookRouteOptions {
  channels: ChannelHost;
  recorder: EventRecorder;
  metrics?: PipelineMetrics;
  /** Rate limit for requests naming unknown or revoked installations, per source address. */
  unknownLimiter?: UnknownInstallationLimiter;
  /** Counts refused signatures per installation (the health monitor's `signature_failures`). */
  onVerifyFailed?: VerifyFailureSink;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `POST /hooks/:installationId` (and `GET`, for platforms that verify subscriptions that way).
 * The hot path: look up -> verify -> parse -> record -> acknowledge. Invariant: a 200 is sent only
 * after `recorder.record` resolved, i.e. after the inbox commit, so an acknowledged event is never
 * lost. Nothing here logs per request above debug or re-serializes the body.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRouteOptions> = async (app, options) => {
  keepBodiesAsBytes(app);
  const unknownLimiter = options.unknownLimiter ?? new UnknownInstallationLimiter();

  const handler = async (
    request: FastifyRequest<{ Params: { installationId: string } }>,
    reply: FastifyReply,
  ) => {
    const receivedAt = new Date();
    const { installationId } = request.params;
    const refuse = (status: number, code: string, message: string) => {
      options.metrics?.rejected.inc({ code });
      return reply.code(status).send(errorEnvelope(code, message));
    };
    // Anyone can post here: a request naming no active installation is counted (metric
    // `switchboard_inbound_rejected_total{code="unknown_installation"}`), rate limited per source
    // address and answered, but never written anywhere (no audit row, no log line above debug).
    const lookup = UUID.test(installationId)
      ? await options.channels.lookup(installationId)
      : ({ status: 'unknown' } as const);
    if (lookup.status === 'unknown' || lookup.status === 'revoked') {
      if (!unknownLimiter.take(request.ip)) {
        return refuse(429, 'rate_limited', 'too many requests for unknown installations');
      }
      request.log.debug(
        { installationId: installationId.slice(0, 64) },
        'webhook for no active installation',
      );
      return refuse(404, 'unknown_installation', 'no active installation has this id');
    }
    if (lookup.status === 'broken') {
      return refuse(503, 'installation_unavailable', 'the installation cannot be started; see doctor');
    }
    const { record, channel } = lookup.installation;
    if (!channel.webhook) {
      return refuse(404, 'no_webhook', `this ${record.channelType} installation does not receive webhooks`);
    }
    // Adapters parse these bytes themselves; the depth limit of every other route holds here too.
    if (rawBodyNestsTooDeep(request.body, request.headers['content-type'])) {
      return refuse(400, 'json_too_deep', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const webhookRequest = toWebhookRequest(request, receivedAt);
    let parsed: ReturnType<typeof channel.webhook.parse>;
    try {
      const verdict = channel.webhook.verify(webhookRequest);
      if (!verdict.ok) {
        options.onVerifyFailed?.(record.id, verdict.reason);
        return refuse(refusalStatus(verdict.status), verdict.reason, verdict.message);
      }
      parsed = channel.webhook.parse(webhookRequest);
    } catch (error) {
      if (error instanceof MalformedPayloadError) {
        options.metrics?.rejected.inc({ code: 'malformed_payload' });
        return reply.code(400).send(errorEnvelope('malformed_payload', error.message, error.issues));
      }
      // An adapter bug stays inside its installation: this request fails (the platform retries),
      // nothing is recorded, and the hub and every other installation carry on.
      request.log.error(
        { err: error, installationId, channelType: record.channelType },
        'adapter failed on a webhook',
      );
      return refuse(500, 'adapter_failed', `the ${record.channelType} adapter failed on this request`);
    }
    if (parsed.events.length > 0) {
      const outcomes = await options.recorder.record(record, parsed.events);
      options.metrics?.recorded.inc(outcomes.filter((o) => o === 'recorded').length);
      options.metrics?.duplicates.inc(outcomes.filter((o) => o === 'duplicate').length);
    }
    if (parsed.response) {
      if (parsed.response.headers) reply.headers(parsed.response.headers);
      return reply.code(parsed.response.status).send(parsed.response.body ?? '');
    }
    return reply.code(200).send({ ok: true });
  };

  const docs = (operationId: string, summary: string) =>
    hookDocs(
      operationId,
      summary,
      z.object({ installationId: z.string().describe('The installation the platform calls for') }),
    );
  app.post(
    '/hooks/:installationId',
    { schema: docs('receiveWebhook', 'A platform event; verified and parsed by the adapter') },
    handler,
  );
  app.get(
    '/hooks/:installationId',
    { schema: docs('verifyWebhook', 'Subscription checks of platforms that verify with GET') },
    handler,
  );
};

/** Webhook bodies stay bytes: signatures are checked over them, and the adapter decodes them. */
export function keepBodiesAsBytes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    done(null, body);
  });
}

/** The OpenAPI entry of a route platforms call (no bearer token; verified by the adapter). */
export function hookDocs(operationId: string, summary: string, params: z.ZodType) {
  return routeDocs({
    operationId,
    tags: ['ingress'],
    summary,
    auth: false,
    params,
    responses: {
      200: {
        description: 'Durably recorded, or the answer to a platform challenge',
        schema: z.unknown(),
      },
    },
    onlyErrors: [400, 401, 403, 404, 413, 429, 503],
  });
}
