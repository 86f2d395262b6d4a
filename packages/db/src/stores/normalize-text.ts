// PostgreSQL cannot store U+0000 in text or jsonb (22P05 / 22021), nor a lone UTF-16 surrogate in
// jsonb (22P02). Platforms send both. Values bound for the database pass through here first.

export interface TextNormalisation {
  nulRemoved: number;
  surrogatesReplaced: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this removes
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Cheap gate: most strings contain neither, and the two regexes above are not free.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the two things it looks for
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/** NUL removed, lone surrogates replaced by U+FFFD; counts what changed into `changes`. */
export function normalizeString(text: string, changes?: TextNormalisation): string {
  if (!SUSPECT.test(text)) return text;
  const nul = countMatches(text, NUL);
  const lone = countMatches(text, LONE_SURROGATE);
  if (nul === 0 && lone === 0) return text;
  if (changes) {
    changes.nulRemoved += nul;
    changes.surrogatesReplaced += lone;
  }
  return text.replace(NUL, '').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * A copy of a JSON-like value with every string (keys too) normalised, and what changed. Walks
 * with an explicit stack, so a deeply nested value cannot overflow the call stack; returns the
 * value itself when nothing needed changing.
 */
export function normalizeForDatabase<T>(value: T): { value: T; changes: TextNormalisation | null } {
  const changes: TextNormalisation = { nulRemoved: 0, surrogatesReplaced: 0 };
  if (!needsNormalising(value)) return { value, changes: null };
  const root: { v: unknown } = { v: undefined };
  const stack: Array<{ source: unknown; assign(copy: unknown): void }> = [
    { source: value, assign: (copy) => (root.v = copy) },
  ];
  while (stack.length > 0) {
    const { source, assign } = stack.pop() as (typeof stack)[number];
    if (typeof source === 'string') assign(normalizeString(source, changes));
    else if (Array.isArray(source)) {
      const copy: unknown[] = new Array(source.length);
      assign(copy);
      source.forEach((item, index) => {
        stack.push({ source: item, assign: (v) => (copy[index] = v) });
      });
    } else if (typeof source === 'object' && source !== null && !(source instanceof Date)) {
      const copy: Record<string, unknown> = {};
      assign(copy);
      for (const [key, item] of Object.entries(source)) {
        const safeKey = normalizeString(key, changes);
        stack.push({ source: item, assign: (v) => (copy[safeKey] = v) });
      }
    } else assign(source);
  }
  // Surrogate pairs (emoji) pass the cheap gate but are well formed: nothing changed then.
  if (changes.nulRemoved === 0 && changes.surrogatesReplaced === 0) return { value, changes: null };
  return { value: root.v as T, changes };
}

/** True when some string in the value (keys included) holds a NUL or a surrogate code unit. */
function needsNormalising(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (SUSPECT.test(item)) return true;
    } else if (Array.isArray(item)) {
      for (const child of item) stack.push(child);
    } else if (typeof item === 'object' && item !== null && !(item instanceof Date)) {
      for (const [key, child] of Object.entries(item)) {
        if (SUSPECT.test(key)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
