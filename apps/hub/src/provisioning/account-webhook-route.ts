import { type AccountEvent, MalformedPayloadError } from '@switchboard/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { VerifyFailureSink } from '../health/verify-failures.js';
import { errorEnvelope } from '../http/error-response.js';
import { MAX_JSON_DEPTH, rawBodyNestsTooDeep } from '../http/safe-json.js';
import { UnknownInstallationLimiter } from '../ingress/unknown-rate-limit.js';
import { toWebhookRequest } from '../ingress/webhook-request.js';
import { hookDocs, keepBodiesAsBytes } from '../ingress/webhook-route.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import type { AccountEventOutcome, AccountProvisioningService } from './account-service.js';
import type { ProvisionerHost } from './provisioner-host.js';

/** Platforms time webhooks out after about 10 s; deferred grants may use this much of it. */
const GRANT_BUDGET_MS = 4_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `POST /hooks/accounts/:installationId` (and `GET` for challenges): where an account-provisioner
 * platform reports that a person accepted an invitation, or that it expired. Verified by the
 * provisioner; each event moves its `account_provisioning` row, and the 200 comes after that
 * commit (a platform that retries changes nothing the second time).
 */
export const accountWebhookRoutes: FastifyPluginAsync<{
  host: ProvisionerHost;
  accounts: AccountProvisioningService;
  metrics?: PipelineMetrics;
  unknownLimiter?: UnknownInstallationLimiter;
  onVerifyFailed?: VerifyFailureSink;
}> = async (app, options) => {
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
    const lookup = UUID.test(installationId)
      ? await options.host.lookup(installationId)
      : ({ status: 'unknown' } as const);
    if (lookup.status === 'unknown') {
      if (!unknownLimiter.take(request.ip))
        return refuse(429, 'rate_limited', 'too many requests for unknown installations');
      return refuse(404, 'unknown_installation', 'no active account-provisioner installation has this id');
    }
    if (lookup.status === 'broken') {
      return refuse(503, 'installation_unavailable', 'the installation cannot be started; see doctor');
    }
    const webhook = lookup.provisioner.webhook;
    if (!webhook)
      return refuse(
        404,
        'no_webhook',
        `this ${lookup.record.channelType} installation does not receive webhooks`,
      );
    if (rawBodyNestsTooDeep(request.body, request.headers['content-type'])) {
      return refuse(400, 'json_too_deep', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const webhookRequest = toWebhookRequest(request, receivedAt);
    let parsed: {
      response?: { status: number; body?: unknown; headers?: Record<string, string> };
      events: AccountEvent[];
      deliveryId?: string;
    };
    try {
      const verdict = webhook.verify(webhookRequest);
      if (!verdict.ok) {
        options.onVerifyFailed?.(installationId, verdict.reason);
        return refuse(401, verdict.reason, verdict.message);
      }
      parsed = webhook.parse(webhookRequest);
    } catch (error) {
      if (error instanceof MalformedPayloadError) {
        options.metrics?.rejected.inc({ code: 'malformed_payload' });
        return reply.code(400).send(errorEnvelope('malformed_payload', error.message, error.issues));
      }
      request.log.error({ err: error, installationId }, 'account provisioner failed on a webhook');
      return refuse(
        500,
        'adapter_failed',
        `the ${lookup.record.channelType} provisioner failed on this request`,
      );
    }
    const { deliveryId } = parsed;
    const { workspaceId, channelType } = lookup.record;
    // The claim is one insert on (installation, delivery id): of replicas receiving one delivery
    // at the same instant, exactly one goes on; the others answer as for a replay.
    if (deliveryId !== undefined && !(await options.accounts.claimDelivery(installationId, deliveryId))) {
      return reply.code(200).send({ ok: true, duplicate: true });
    }
    // Row transitions commit before the answer; slow grant calls do not hold it past the budget.
    // Work that must ask the platform first (correlating an account that joined) is kept with
    // the claim and finished after the answer.
    const outcomes: Array<{ kind: AccountEvent['kind']; outcome: AccountEventOutcome }> = [];
    const deferred: AccountEvent[] = [];
    try {
      for (const event of parsed.events) {
        const outcome = await options.accounts.handleEvent(installationId, event, {
          grantBudgetMs: GRANT_BUDGET_MS,
          deferCorrelation: deliveryId !== undefined,
        });
        if (outcome === 'deferred') deferred.push(event);
        else outcomes.push({ kind: event.kind, outcome });
      }
    } catch (error) {
      // Nothing is lost: the claim is given back, so the platform's retry is handled, not dropped.
      if (deliveryId !== undefined && outcomes.length === 0 && deferred.length === 0)
        await options.accounts.releaseDelivery(installationId, deliveryId);
      throw error;
    }
    if (deliveryId !== undefined && deferred.length > 0) {
      await options.accounts.deferDelivery(
        { installationId, workspaceId, channelType },
        deliveryId,
        deferred,
        outcomes,
      );
    } else if (deliveryId !== undefined) {
      await options.accounts.recordDelivery(
        { installationId, workspaceId, channelType },
        deliveryId,
        outcomes,
      );
    }
    if (parsed.response) {
      if (parsed.response.headers) reply.headers(parsed.response.headers);
      return reply.code(parsed.response.status).send(parsed.response.body ?? '');
    }
    return reply.code(200).send({ ok: true });
  };

  const params = z.object({ installationId: z.string().describe('The account-provisioner installation') });
  app.post(
    '/hooks/accounts/:installationId',
    {
      schema: hookDocs(
        'receiveAccountWebhook',
        'An account event (accepted, expired, ...) of a provisioner',
        params,
      ),
    },
    handler,
  );
  app.get(
    '/hooks/accounts/:installationId',
    { schema: hookDocs('verifyAccountWebhook', 'Subscription checks of a provisioner platform', params) },
    handler,
  );
};
