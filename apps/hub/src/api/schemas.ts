import { z } from 'zod';

/**
 * Schema pieces shared by the API's route documentation. A schema given an `id` through `.meta()`
 * becomes a component of the OpenAPI document, and every route refers to it by `$ref`.
 */

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable snake_case code; clients branch on it'),
      message: z.string().describe('For people; may change'),
      details: z.unknown().optional().describe('E.g. the zod issues of a 400 invalid_input'),
    }),
  })
  .meta({ id: 'ErrorEnvelope', description: 'The body of every error response' });

/** Timestamps leave the API as ISO 8601 strings. */
export const timestamp = z.iso.datetime({ offset: true });
export const nullableTimestamp = timestamp.nullable();

export const workspaceParams = z.object({ ws: z.string().describe('Workspace id or slug') });

/** `nextCursor` of a list: pass it back as `?cursor=` for the next page; null on the last page. */
export const nextCursorSchema = z.string().nullable().describe('Cursor of the next page; null on the last');

/**
 * The answer of a list endpoint: `{ items, nextCursor }`, plus the list under its older name
 * (`legacyKey`, e.g. `agents`) so clients written before pagination keep working.
 */
export function listResponse<Item extends z.ZodType>(item: Item, legacyKey?: string) {
  const shape: Record<string, z.ZodType> = { items: z.array(item), nextCursor: nextCursorSchema };
  if (legacyKey) shape[legacyKey] = z.array(item).describe('The same items as `items` (older name)');
  return z.object(shape);
}
