import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pipelineOverridesFromEnv, readHubEnv } from '../../config/env.js';
import { createLogger } from '../../logging/logger.js';
import { startHub } from '../../server.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the hub (embedded PGlite unless DATABASE_URL is set); applies migrations first')
    .option('--port <port>', 'HTTP port', (value) => Number.parseInt(value, 10))
    .option('--host <host>', 'address to listen on')
    .option('--data-dir <dir>', 'data directory for the embedded database and generated key')
    .action(async (options: { port?: number; host?: string; dataDir?: string }) => {
      const env = readHubEnv();
      const logger = createLogger({ level: env.LOG_LEVEL });
      const hub = await startHub({
        databaseUrl: env.DATABASE_URL,
        dataDir: resolve(options.dataDir ?? env.SWITCHBOARD_DATA_DIR),
        secretKey: env.SWITCHBOARD_SECRET_KEY,
        host: options.host ?? env.HOST,
        port: options.port ?? env.PORT,
        publicUrl: env.SWITCHBOARD_PUBLIC_URL,
        logger,
        pipeline: pipelineOverridesFromEnv(env),
        connections: {
          disabled: env.SWITCHBOARD_CONNECTIONS_DISABLED,
          leaseTtlMs: env.SWITCHBOARD_LEASE_TTL_MS,
        },
        rateLimit: {
          apiPerMinute: env.SWITCHBOARD_RATE_LIMIT_API_PER_MINUTE,
          hooksPerMinute: env.SWITCHBOARD_RATE_LIMIT_HOOKS_PER_MINUTE,
        },
      });
      logger.info(
        { url: hub.url, database: hub.runtime.database.location, channelTypes: hub.runtime.registry.types() },
        'switchboard hub listening',
      );
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        await hub.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
