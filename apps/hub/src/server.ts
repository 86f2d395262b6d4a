import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { buildHub, type HubAppOptions, type HubRole } from './app.js';
import type { OperatorCredential } from './http/operator.js';
import type { PipelineSettingsOverrides } from './pipeline/settings.js';
import { type HubRuntime, openHubRuntime } from './runtime/open-runtime.js';

export interface StartHubOptions {
  databaseUrl?: string;
  dataDir: string;
  secretKey?: string;
  host: string;
  port: number;
  publicUrl?: string;
  logger: pino.Logger;
  pipeline?: PipelineSettingsOverrides;
  /** Long-connection supervision (SWITCHBOARD_CONNECTIONS_DISABLED parks it). */
  connections?: { disabled?: boolean; leaseTtlMs?: number };
  /** Per-address limits (SWITCHBOARD_RATE_LIMIT_*); unset ones keep their defaults. */
  rateLimit?: HubAppOptions['rateLimit'];
  /** The hub-wide operator credential local commands use (see http/operator.ts). */
  operator?: OperatorCredential;
  /** What this process does (see `HubAppOptions.role`); default `all`. */
  role?: HubRole;
  /** The pass over open account requests (SWITCHBOARD_ACCOUNT_RECONCILE_*); unset: defaults. */
  accountReconcile?: HubAppOptions['accountReconcile'];
}

export interface RunningHub {
  app: FastifyInstance;
  runtime: HubRuntime;
  url: string;
  close(): Promise<void>;
}

/** Opens the runtime (applying migrations), builds the app and listens. */
export async function startHub(options: StartHubOptions): Promise<RunningHub> {
  const runtime = await openHubRuntime({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    secretKey: options.secretKey,
    logger: options.logger,
    migrate: true,
    holder: 'the hub',
    warnAboutKeyFile: true,
  });
  let app: FastifyInstance;
  try {
    // On an ephemeral port (0) the address is known only after listening: webhook URLs then
    // follow each request's own origin.
    const publicUrl =
      options.publicUrl ?? (options.port === 0 ? undefined : `http://${options.host}:${options.port}`);
    ({ app } = await buildHub({
      runtime,
      logger: options.logger,
      publicUrl,
      pipeline: options.pipeline,
      connections: options.connections ?? {},
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
      ...(options.operator ? { operator: options.operator } : {}),
      ...(options.role ? { role: options.role } : {}),
      ...(options.accountReconcile ? { accountReconcile: options.accountReconcile } : {}),
    }));
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  // A refused second process is told where to send its command instead.
  await runtime.database.lock?.update({ url });
  return {
    app,
    runtime,
    url,
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
}
