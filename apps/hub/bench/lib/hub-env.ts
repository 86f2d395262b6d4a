import type { BenchDatabase } from './seed.js';

/**
 * The environment a benchmarked `switchboard start` runs with: the seeded database and its key,
 * an ephemeral port, no per-client rate limits (the load comes from one address, far above any of
 * them: measure the hub, not the limiter), and loopback open to the egress policy (the agent and
 * the fake platforms listen there). `extra` adds to or overrides it.
 */
export function benchHubEnv(db: BenchDatabase, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: db.url,
    SWITCHBOARD_SECRET_KEY: db.secretKey,
    LOG_LEVEL: 'info',
    PORT: '0',
    SWITCHBOARD_RATE_LIMIT_HOOKS_PER_MINUTE: '0',
    SWITCHBOARD_RATE_LIMIT_API_PER_MINUTE: '0',
    SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1,::1,localhost',
    ...extra,
  };
}
