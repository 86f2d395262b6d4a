import { z } from 'zod';
import type { ChannelFactory } from './channel.js';
import { InvalidConfigError, type ValidationIssue } from './errors.js';

const SECRET_FIELDS = Symbol.for('@switchboard/core/secret-fields');

/**
 * Schemas registered here hold credentials: the hub seals them and never returns them. One
 * registry per process, even when a plugin brings its own copy of core, so the hub sees the
 * plugin's secret marks.
 */
type SecretRegistry = z.core.$ZodRegistry<{ secret: true }>;
const processWide = globalThis as { [SECRET_FIELDS]?: SecretRegistry };
processWide[SECRET_FIELDS] ??= z.registry<{ secret: true }>();
export const secretFields: SecretRegistry = processWide[SECRET_FIELDS];

/** Marks a config field as secret, e.g. `signingSecret: secret(z.string().min(1))`. */
export function secret<T extends z.ZodType>(schema: T): T {
  secretFields.add(schema, { secret: true });
  return schema;
}

/** Every adapter accepts one, so tests and egress proxies can redirect its API calls. */
export const apiBaseUrlField = z
  .url({ protocol: /^https?$/ })
  .optional()
  .describe('Base URL of the platform API; overrides the default (tests, egress proxies)');

// `.optional()`, `.default()` and friends wrap the marked schema in a new one; look through them.
function innerSchema(schema: z.ZodType): z.ZodType | undefined {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
  if (def.type === 'pipe') return def.in;
  return def.innerType;
}

function isSecretSchema(schema: z.ZodType): boolean {
  for (let current: z.ZodType | undefined = schema; current; current = innerSchema(current)) {
    // `get`, not `has`: zod lets clones made by `.min()` or `.describe()` inherit their parent's entry.
    if (secretFields.get(current)?.secret === true) return true;
  }
  return false;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  for (let current: z.ZodType | undefined = schema; current; current = innerSchema(current)) {
    // By the definition, not `instanceof`: a plugin's schema may come from its own copy of zod.
    const def = current._zod.def as { type: string; shape?: Record<string, z.ZodType> };
    if (def.type === 'object' && def.shape) return def.shape;
  }
  return {};
}

/** Top-level keys of a config object schema that are marked `secret`. */
export function secretKeys(schema: z.ZodType): string[] {
  return Object.entries(objectShape(schema))
    .filter(([, field]) => isSecretSchema(field))
    .map(([key]) => key);
}

/** Top-level keys a config object schema knows. */
export function configKeys(schema: z.ZodType): string[] {
  return Object.keys(objectShape(schema));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The known key a mistyped one most likely meant (camelCase for snake_case, small typos), if any. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const normalized = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(normalized, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

/**
 * One issue per key of `input` that no schema knows, naming the nearest known key. Zod objects
 * strip unknown keys silently, so a `signingSecret` would otherwise vanish without a word.
 */
export function unknownKeyIssues(input: unknown, known: readonly string[]): ValidationIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  return Object.keys(input)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const suggestion = nearestKey(key, known);
      return {
        code: 'custom' as const,
        path: [key],
        message: `unknown key "${key}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
        input: undefined,
      };
    });
}

/** Parses installation config with the factory's schema; throws `InvalidConfigError` with zod's issues. */
export function validateConfig<C extends Record<string, unknown>>(
  factory: Pick<ChannelFactory<C>, 'configSchema'>,
  input: unknown,
): C {
  const result = factory.configSchema.safeParse(input);
  if (!result.success) throw new InvalidConfigError(result.error.issues);
  return result.data;
}

export interface SplitConfig {
  publicConfig: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

/** Separates secret fields (to be sealed) from the rest (stored and shown in clear). */
export function splitSecrets(schema: z.ZodType, config: Record<string, unknown>): SplitConfig {
  const secretKeySet = new Set(secretKeys(schema));
  const publicConfig: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (secretKeySet.has(key)) secrets[key] = value;
    else publicConfig[key] = value;
  }
  return { publicConfig, secrets };
}

export function mergeSecrets(
  publicConfig: Record<string, unknown>,
  secrets: Record<string, unknown>,
): Record<string, unknown> {
  return { ...publicConfig, ...secrets };
}

/** The config with every secret field removed; safe to log or return from the API. */
export function redactSecrets(schema: z.ZodType, config: Record<string, unknown>): Record<string, unknown> {
  return splitSecrets(schema, config).publicConfig;
}
