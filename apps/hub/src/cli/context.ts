import { resolve } from 'node:path';
import pino from 'pino';
import { type HubEnv, readHubEnv } from '../config/env.js';
import { createLogger } from '../logging/logger.js';
import { type HubRuntime, openHubRuntime } from '../runtime/open-runtime.js';

export interface CliContext {
  env: HubEnv;
  dataDir: string;
  logger: pino.Logger;
}

/** Command-line tools log warnings to stderr so stdout stays for their answer. */
export function cliContext(options: { dataDir?: string }): CliContext {
  const env = readHubEnv();
  const logger = createLogger({
    level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL,
    destination: pino.destination(2),
  });
  return { env, dataDir: resolve(options.dataDir ?? env.SWITCHBOARD_DATA_DIR), logger };
}

export async function withRuntime<T>(
  context: CliContext,
  options: { migrate: boolean },
  run: (runtime: HubRuntime) => Promise<T>,
): Promise<T> {
  const runtime = await openHubRuntime({
    databaseUrl: context.env.DATABASE_URL,
    dataDir: context.dataDir,
    secretKey: context.env.SWITCHBOARD_SECRET_KEY,
    logger: context.logger,
    migrate: options.migrate,
    holder: 'a switchboard command',
  });
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}
