import { z } from 'zod';

function optionalInt(min: number) {
  return z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : Number(value)))
    .refine((value) => value === undefined || (Number.isInteger(value) && value >= min), {
      message: `must be an integer >= ${min}`,
    });
}

/** The hub's environment, validated before anything starts. */
const hubEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), {
      message: 'DATABASE_URL must start with postgres:// or postgresql://',
    }),
  SWITCHBOARD_SECRET_KEY: z.string().optional(),
  SWITCHBOARD_DATA_DIR: z.string().default('.switchboard'),
  SWITCHBOARD_PUBLIC_URL: z.string().url().optional(),
  /** Adapter packages to load, comma separated (default: the first-party adapters). */
  SWITCHBOARD_PLUGINS: z.string().optional(),
  /** What `switchboard start` runs: all (default), ingress or worker (see `--role`). */
  SWITCHBOARD_ROLE: z.enum(['all', 'ingress', 'worker']).optional(),
  SWITCHBOARD_CONNECTIONS_DISABLED: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
  /** Where binding links point (default <public url>/link). */
  SWITCHBOARD_LINK_URL: z.string().url().optional(),
  /** The claim lease: a claim its worker stopped renewing for this long is taken over. */
  SWITCHBOARD_INBOX_STALE_MS: optionalInt(1_000),
  /** How long a failing agent is retried before an event is dead-lettered (agents may override). */
  SWITCHBOARD_DELIVERY_RETRY_BUDGET_MS: optionalInt(1_000),
  /** Consecutive failures that open an agent's circuit, and the probe interval while it is open. */
  SWITCHBOARD_AGENT_CIRCUIT_FAILURES: optionalInt(1),
  SWITCHBOARD_AGENT_PROBE_INTERVAL_MS: optionalInt(100),
  /** How long finished inbox rows are kept to recognise platform retries (the dedup horizon). */
  SWITCHBOARD_DEDUP_HORIZON_MS: optionalInt(60_000),
  SWITCHBOARD_DELIVERY_TIMEOUT_MS: optionalInt(100),
  SWITCHBOARD_DELIVERY_MAX_ATTEMPTS: optionalInt(1),
  /** First retry delay; later ones double up to SWITCHBOARD_DELIVERY_BACKOFF_MAX_MS. */
  SWITCHBOARD_DELIVERY_BACKOFF_MS: optionalInt(1),
  SWITCHBOARD_DELIVERY_BACKOFF_MAX_MS: optionalInt(1),
  SWITCHBOARD_WORKER_CONCURRENCY: optionalInt(1),
  SWITCHBOARD_RETENTION_INTERVAL_MS: optionalInt(100),
  /** Long-connection lease TTL; renewed well inside it, taken over after it by another replica. */
  SWITCHBOARD_LEASE_TTL_MS: optionalInt(200),
  /** Between passes over open account requests (invitations), and when a replica's unfinished webhook work is taken over. */
  SWITCHBOARD_ACCOUNT_RECONCILE_INTERVAL_MS: optionalInt(100),
  SWITCHBOARD_ACCOUNT_DELIVERY_STALE_MS: optionalInt(100),
  /** Requests per minute per client address on /api/v1 and on /hooks; 0 turns a limit off. */
  SWITCHBOARD_RATE_LIMIT_API_PER_MINUTE: optionalInt(0),
  SWITCHBOARD_RATE_LIMIT_HOOKS_PER_MINUTE: optionalInt(0),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: readable lines (the default on a terminal); `json`: one JSON object per line. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  /** A running hub the CLI talks to, and the API token it uses there. */
  SWITCHBOARD_URL: z.url({ protocol: /^https?$/ }).optional(),
  SWITCHBOARD_TOKEN: z.string().min(1).optional(),
  /** The workspace CLI commands act in when `--workspace` is not given. */
  SWITCHBOARD_WORKSPACE: z.string().min(1).optional(),
});

export type HubEnv = z.infer<typeof hubEnvSchema>;

/** A setting that does not parse; the message lists every problem, one per line, readably. */
export class InvalidSettingsError extends Error {
  override readonly name = 'InvalidSettingsError';
}

export function readHubEnv(env: NodeJS.ProcessEnv = process.env): HubEnv {
  // Empty strings mean "unset" (shells export `PORT=` as easily as leaving it out).
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = hubEnvSchema.safeParse(given);
  if (!result.success) {
    throw new InvalidSettingsError(`invalid environment:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** Parses a `--port` flag value (commander argument parser); throws a readable message. */
export function parsePort(value: string): number {
  const result = z.coerce.number().int().min(0).max(65535).safeParse(value);
  if (!result.success)
    throw new InvalidSettingsError(`--port must be a number from 0 to 65535, got "${value}"`);
  return result.data;
}

/** The pipeline tunables set in the environment (unset ones keep their defaults). */
export function pipelineOverridesFromEnv(env: HubEnv) {
  return {
    ...(env.SWITCHBOARD_LINK_URL ? { linkBaseUrl: env.SWITCHBOARD_LINK_URL } : {}),
    staleClaimMs: env.SWITCHBOARD_INBOX_STALE_MS,
    workerConcurrency: env.SWITCHBOARD_WORKER_CONCURRENCY,
    retentionIntervalMs: env.SWITCHBOARD_RETENTION_INTERVAL_MS,
    delivery: {
      timeoutMs: env.SWITCHBOARD_DELIVERY_TIMEOUT_MS,
      maxAttempts: env.SWITCHBOARD_DELIVERY_MAX_ATTEMPTS,
      retryBudgetMs: env.SWITCHBOARD_DELIVERY_RETRY_BUDGET_MS,
      circuit: {
        failureThreshold: env.SWITCHBOARD_AGENT_CIRCUIT_FAILURES,
        probeIntervalMs: env.SWITCHBOARD_AGENT_PROBE_INTERVAL_MS,
      },
      backoff: {
        baseMs: env.SWITCHBOARD_DELIVERY_BACKOFF_MS,
        maxMs: env.SWITCHBOARD_DELIVERY_BACKOFF_MAX_MS,
      },
    },
    retention: { inboxMs: env.SWITCHBOARD_DEDUP_HORIZON_MS },
  };
}
