import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/** Requests per minute per client address; 0 turns a limit off. */
export interface RateLimits {
  /** `/api/v1/*`. */
  apiPerMinute: number;
  /** `/hooks/*`: platforms send from few addresses, so this one is higher. */
  hooksPerMinute: number;
}

/**
 * Generous on purpose: they stop a runaway client or a flood, not normal traffic. A busy chat
 * workspace stays far below the hooks limit; raise it (SWITCHBOARD_RATE_LIMIT_HOOKS_PER_MINUTE)
 * behind a proxy where every platform request comes from one address.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { apiPerMinute: 3_000, hooksPerMinute: 10_000 };

/**
 * Limits every route registered after this call in `app`'s context, per client address
 * (`request.ip`: with trustProxy, the forwarded one). Over the limit: 429 with the error envelope
 * (`rate_limited`) and Retry-After in seconds. Counted in memory, per process.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        'rate_limited',
        `more than ${context.max} requests a minute; retry in ${context.after}`,
      ),
  });
}
