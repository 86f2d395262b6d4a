import { z } from 'zod';
import { badRequest } from '../http/errors.js';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().uuid().optional(),
});

/** `?limit=&cursor=` of the list endpoints (`{ items, nextCursor }`). */
export function parsePage(query: unknown): { limit: number; cursor?: string } {
  const parsed = pageQuery.safeParse(query ?? {});
  if (!parsed.success) throw badRequest('invalid_input', 'bad limit or cursor', parsed.error.issues);
  return { limit: parsed.data.limit, ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) };
}
