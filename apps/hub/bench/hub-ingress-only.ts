// The hub's HTTP app with the inbox workers switched off, for comparison runs only: it isolates
// what the ingress path costs from what the workers delivering to the agent on the same cores
// cost. Same configuration as `switchboard start` otherwise; prints the same "listening" line.

import { buildHub } from '../src/app.js';
import { readHubEnv } from '../src/config/env.js';
import { createLogger } from '../src/logging/logger.js';
import { openHubRuntime } from '../src/runtime/open-runtime.js';

const env = readHubEnv();
const logger = createLogger({ level: env.LOG_LEVEL });
const runtime = await openHubRuntime({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.SWITCHBOARD_DATA_DIR,
  secretKey: env.SWITCHBOARD_SECRET_KEY,
  logger,
  migrate: false,
});
// The load comes from one address, far above any per-client limit: measure the hub, not it.
const { app } = await buildHub({ runtime, logger, workers: false, rateLimit: false });
const url = await app.listen({ host: env.HOST, port: env.PORT });
logger.info({ url }, 'switchboard hub (workers off) listening');
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => runtime.close())
    .then(() => process.exit(0));
});
