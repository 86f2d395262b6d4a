import type { Logger, Registry } from '@switchboard/core';
import {
  applyMigrations,
  createStores,
  type Database,
  openDatabase,
  resolveSecretKey,
  type SecretBox,
  type Stores,
} from '@switchboard/db';
import { loadChannelRegistry } from '../channels/registry.js';
import { NamespaceBook } from '../identity/namespaces.js';
import { appInstallationKeys } from '../ingress/app-keys.js';

export interface HubRuntime {
  readonly database: Database;
  readonly stores: Stores;
  readonly registry: Registry;
  /** The identity namespaces the hub knows: the generic ones and the plugins'. */
  readonly namespaces: NamespaceBook;
  readonly secrets: SecretBox;
  close(): Promise<void>;
}

export interface OpenRuntimeOptions {
  databaseUrl?: string;
  /** PGlite data dir and home of the generated secret key on the embedded default. */
  dataDir: string;
  secretKey?: string;
  logger: Logger;
  /** Apply pending migrations before returning (what `switchboard start` does). */
  migrate?: boolean;
  /** The channel types to serve; default: the plugins configured in `SWITCHBOARD_PLUGINS`. */
  registry?: Registry;
  /** Who opens the embedded data folder, as a refused second process is told. */
  holder?: string;
  /** Warn when secrets are sealed with the data dir's key file (only `start` does, once). */
  warnAboutKeyFile?: boolean;
}

/** Wires the stores and channel registry around an open database. */
export function createHubRuntime(parts: {
  database: Database;
  secrets: SecretBox;
  registry: Registry;
}): HubRuntime {
  return {
    database: parts.database,
    stores: createStores(parts.database.prisma, parts.secrets, {
      ...(parts.database.ingressSql ? { ingressSql: parts.database.ingressSql } : {}),
      ...(parts.database.workerSql ? { workerSql: parts.database.workerSql } : {}),
      installationKeys: appInstallationKeys(parts.registry),
    }),
    registry: parts.registry,
    namespaces: new NamespaceBook(parts.registry.namespaceRules()),
    secrets: parts.secrets,
    close: () => parts.database.close(),
  };
}

/** Opens the database, the secret key and the stores the hub runs on. */
export async function openHubRuntime(options: OpenRuntimeOptions): Promise<HubRuntime> {
  const embedded = !options.databaseUrl;
  // Before the database opens, so a misconfigured plugin fails fast and holds nothing open.
  const registry = options.registry ?? (await loadChannelRegistry());
  const key = await resolveSecretKey({
    envValue: options.secretKey,
    dataDir: embedded ? options.dataDir : undefined,
  });
  const database = await openDatabase(
    embedded
      ? { dataDir: options.dataDir, ...(options.holder ? { holder: options.holder } : {}) }
      : { url: options.databaseUrl },
  );
  try {
    // After the lock: a refused second process is told only why it was refused.
    if (key.source !== 'env' && options.warnAboutKeyFile) {
      options.logger.warn(
        { path: key.path, generated: key.source === 'generated' },
        'SWITCHBOARD_SECRET_KEY is not set: secrets are sealed with a key kept in the data dir. In production set it: SWITCHBOARD_SECRET_KEY="$(openssl rand -base64 32)"',
      );
    }
    if (options.migrate) {
      const applied = await applyMigrations({ adapterFactory: database.adapterFactory });
      if (applied.length > 0) options.logger.info({ applied }, 'applied database migrations');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return createHubRuntime({ database, secrets: key.box, registry });
}
