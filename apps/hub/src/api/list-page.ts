import { z } from 'zod';
import { badRequest } from '../http/errors.js';

/**
 * `?limit=&cursor=` for lists a workspace holds few enough of to read whole (agents, members,
 * installations...): the page is cut from the full, ordered list. The cursor is opaque to clients:
 * the sort key of the last item returned, so a page never repeats or skips an item, even when
 * items were added or removed in between.
 */
export const listPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Items per page (1-500)'),
  cursor: z.string().min(1).max(512).optional().describe('The `nextCursor` of the previous page'),
});

export interface ListPage {
  limit: number;
  after?: string[];
}

/** A sort key: compared part by part as strings (ISO timestamps sort as text). */
type SortKey = string[];

function badPage(details?: unknown): never {
  throw badRequest('invalid_input', 'bad limit or cursor', details);
}

function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): SortKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return badPage([{ path: ['cursor'], message: 'not a cursor of this list' }]);
  }
  if (!Array.isArray(key) || key.length === 0 || !key.every((part) => typeof part === 'string')) {
    return badPage([{ path: ['cursor'], message: 'not a cursor of this list' }]);
  }
  return key;
}

export function parseListPage(query: unknown): ListPage {
  const parsed = listPageQuery.safeParse(query ?? {});
  if (!parsed.success) return badPage(parsed.error.issues);
  const { limit, cursor } = parsed.data;
  return cursor === undefined ? { limit } : { limit, after: decodeCursor(cursor) };
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The page of `items` after the cursor, in `keyOf` order, with the cursor of the next page.
 * `keyOf` must be unique per item (end it with the id).
 */
export function pageOf<T>(
  items: readonly T[],
  page: ListPage,
  keyOf: (item: T) => SortKey,
): { items: T[]; nextCursor: string | null } {
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  const after = page.after;
  // A cursor of another list (its key has another shape) would silently restart or end the walk.
  if (after && keyed[0] && keyed[0].key.length !== after.length) {
    return badPage([{ path: ['cursor'], message: 'not a cursor of this list' }]);
  }
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  const rest = after ? keyed.filter(({ key }) => compareKeys(key, after) > 0) : keyed;
  const selected = rest.slice(0, page.limit);
  const last = selected.at(-1);
  return {
    items: selected.map(({ item }) => item),
    nextCursor: rest.length > page.limit && last ? encodeCursor(last.key) : null,
  };
}

/** The usual key: creation time, then id. */
export const byCreation = (item: { createdAt: Date | string; id: string }): SortKey => [
  typeof item.createdAt === 'string' ? item.createdAt : item.createdAt.toISOString(),
  item.id,
];
