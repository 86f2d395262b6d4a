import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../http/errors.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

export const idempotencyKeyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe(
      'Same as the body field idempotencyKey (either may be given; both must then be equal). ' +
        'Requests signed with the agent delivery secret keep the key in the body: only the body is signed',
    ),
});

/**
 * The body with the idempotency key of the request in its `idempotencyKey` field: the
 * `Idempotency-Key` header when there is one, else the body's own field. A header and a field
 * that differ are refused (400 idempotency_key_mismatch), and so is a header on a signed request
 * whose body has no key: the signature covers the body only, so a replayed request could otherwise
 * be sent again under a new header.
 */
export function withIdempotencyKey(request: FastifyRequest): unknown {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  const body = request.body;
  if (header === undefined) return body;
  if (Array.isArray(header)) throw badRequest('idempotency_key_mismatch', 'give one Idempotency-Key header');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const field = (body as { idempotencyKey?: unknown }).idempotencyKey;
  if (field !== undefined && field !== header) {
    throw badRequest(
      'idempotency_key_mismatch',
      'the Idempotency-Key header and the idempotencyKey field differ; give one, or the same',
    );
  }
  const signed = request.headers.authorization === undefined;
  if (signed && field === undefined) {
    throw badRequest(
      'idempotency_key_unsigned',
      'a signed request carries idempotencyKey in its body (the signature covers the body only)',
    );
  }
  return { ...body, idempotencyKey: header };
}
