import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { HUB_ROLES, type HubRole } from '../../app.js';
import { type HubEnv, parsePort, pipelineOverridesFromEnv, readHubEnv } from '../../config/env.js';
import { createOperatorCredential } from '../../http/operator.js';
import { createLogger } from '../../logging/logger.js';
import { prettyDestination } from '../../logging/pretty.js';
import { startHub } from '../../server.js';
import { startBanner } from '../first-run.js';
import { operatorFilePath, removeOperatorFile, writeOperatorFile } from '../operator-file.js';

/** Readable lines on a terminal; JSON lines when piped (log collectors) or with LOG_FORMAT=json. */
function prettyLogs(env: HubEnv): boolean {
  return env.LOG_FORMAT ? env.LOG_FORMAT === 'pretty' : process.stdout.isTTY === true;
}

function hubLogger(env: HubEnv) {
  return createLogger({
    level: env.LOG_LEVEL,
    ...(prettyLogs(env) ? { destination: prettyDestination() } : {}),
  });
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the hub (embedded PGlite unless DATABASE_URL is set); applies migrations first')
    .option('--port <port>', 'HTTP port', parsePort)
    .option('--host <host>', 'address to listen on')
    .option('--data-dir <dir>', 'data directory for the embedded database and generated key')
    .addOption(
      new Option(
        '--role <role>',
        'all: everything; ingress: API, webhooks and long connections; worker: delivery to agents and replies (env SWITCHBOARD_ROLE)',
      ).choices(HUB_ROLES),
    )
    .action(async (options: { port?: number; host?: string; dataDir?: string; role?: HubRole }) => {
      // Flags and environment are both checked before the database is touched.
      const env = readHubEnv();
      const logger = hubLogger(env);
      const dataDir = resolve(options.dataDir ?? env.SWITCHBOARD_DATA_DIR);
      const operator = createOperatorCredential();
      const hub = await startHub({
        databaseUrl: env.DATABASE_URL,
        dataDir,
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
        operator,
        role: options.role ?? env.SWITCHBOARD_ROLE ?? 'all',
        accountReconcile: {
          intervalMs: env.SWITCHBOARD_ACCOUNT_RECONCILE_INTERVAL_MS,
          staleDeliveryMs: env.SWITCHBOARD_ACCOUNT_DELIVERY_STALE_MS,
        },
      });
      // Local commands find this hub and act as its operator through this file (mode 0600).
      await writeOperatorFile(dataDir, { url: hub.url, token: operator.token });
      logger.info(
        {
          url: hub.url,
          console: `${hub.url}/console`,
          database: hub.runtime.database.location,
          channelTypes: hub.runtime.registry.types(),
          operatorCredential: operatorFilePath(dataDir),
          role: options.role ?? env.SWITCHBOARD_ROLE ?? 'all',
        },
        'switchboard hub listening',
      );
      const firstRun = (await hub.runtime.stores.workspaces.list({ limit: 1 })).length === 0;
      const banner = startBanner(`${hub.url}/console`, firstRun);
      // On a terminal the person reads it; piped, stdout stays one JSON record per line.
      if (prettyLogs(env)) process.stdout.write(`\n${banner.join('\n')}\n\n`);
      else logger.info({ console: `${hub.url}/console`, steps: banner.slice(1) }, banner[0] ?? '');
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        await removeOperatorFile(dataDir, operator.token);
        await hub.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
