import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../http/errors.js';
import { MAX_JSON_DEPTH, rawBodyNestsTooDeep } from '../http/safe-json.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import type { UnknownInstallationLimiter } from './unknown-rate-limit.js';

/** Answers a hook request with the error envelope; every refusal is counted by its code. */
export type Refuse = (status: number, code: string, message: string) => FastifyReply;

/** The refusal of one hook request (metric `switchboard_inbound_rejected_total{code}`). */
export function hookRefusal(reply: FastifyReply, metrics: PipelineMetrics | undefined): Refuse {
  return (status, code, message) => {
    metrics?.rejected.inc({ code });
    return reply.code(status).send(errorEnvelope(code, message));
  };
}

/**
 * Anyone can post to a hook: a request naming nothing active is rate limited per source address
 * (429) and answered 404 with `code`, but never written anywhere (no row, no log line above debug).
 */
export function refuseUnknownTarget(
  request: FastifyRequest,
  refuse: Refuse,
  limiter: UnknownInstallationLimiter,
  unknown: { what: string; code: string; message: string; debug?: () => void },
): FastifyReply {
  if (!limiter.take(request.ip))
    return refuse(429, 'rate_limited', `too many requests for unknown ${unknown.what}`);
  unknown.debug?.();
  return refuse(404, unknown.code, unknown.message);
}

/**
 * Adapters parse hook bytes themselves; the depth limit of every other route holds here too.
 * Undefined when the body is fine.
 */
export function refuseTooDeep(request: FastifyRequest, refuse: Refuse): FastifyReply | undefined {
  if (!rawBodyNestsTooDeep(request.body, request.headers['content-type'])) return undefined;
  return refuse(400, 'json_too_deep', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
}
