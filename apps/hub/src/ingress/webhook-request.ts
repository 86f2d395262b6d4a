import type { WebhookRequest } from '@switchboard/core';
import type { FastifyRequest } from 'fastify';

const EMPTY = new Uint8Array(0);

/** The request as an adapter sees it: exact body bytes, lower-case headers, the receive time. */
export function toWebhookRequest(request: FastifyRequest, receivedAt: Date): WebhookRequest {
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    // A repeated query parameter is ambiguous; adapters see it as absent.
    query[name] = typeof value === 'string' ? value : undefined;
  }
  return {
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    headers: request.headers,
    query,
    rawBody: Buffer.isBuffer(request.body) ? request.body : EMPTY,
    receivedAt,
  };
}
