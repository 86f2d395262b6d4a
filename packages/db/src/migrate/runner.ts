import { readFile } from 'node:fs/promises';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { HistoryDiagnostic } from '@prisma/schema-engine-wasm';
import { migrationsDir, schemaPath } from '../paths.js';
import { noSchemaFilter, readMigrationFolder } from './migration-folder.js';
import { type OpenSchemaEngine, openSchemaEngine } from './schema-engine.js';

export interface MigrationStatus {
  /** True when every committed migration is applied and none failed or was edited. */
  upToDate: boolean;
  appliedCount: number;
  pending: string[];
  failed: string[];
  edited: string[];
  /** Migrations recorded in the database that the folder does not have (a newer hub ran here). */
  unknown: string[];
}

export interface MigrationRunnerOptions {
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  migrationsDir?: string;
  schemaPath?: string;
}

async function withEngine<T>(
  options: MigrationRunnerOptions,
  run: (engine: OpenSchemaEngine['engine']) => Promise<T>,
): Promise<T> {
  const path = options.schemaPath ?? schemaPath;
  const opened = await openSchemaEngine(
    { path, content: await readFile(path, 'utf8') },
    options.adapterFactory,
  );
  try {
    return await run(opened.engine);
  } finally {
    await opened.close();
  }
}

/**
 * Applies every committed migration not yet recorded in `_prisma_migrations`. When the history
 * already holds every one of them (most starts), the schema engine is not loaded at all: its
 * WebAssembly instance stays in memory for the life of the process (about 50 MB).
 */
export async function applyMigrations(options: MigrationRunnerOptions): Promise<string[]> {
  const migrationsList = await readMigrationFolder(options.migrationsDir ?? migrationsDir);
  const names = migrationsList.migrationDirectories.map((directory) => directory.path);
  const unfinished = await unfinishedMigrations(options.adapterFactory, names);
  if (unfinished?.length === 0) return [];
  return withEngine(options, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList, filters: noSchemaFilter });
    return result.appliedMigrationNames;
  });
}

/** Compares the database's migration history with the committed folder, without changing anything. */
export async function migrationStatus(options: MigrationRunnerOptions): Promise<MigrationStatus> {
  const migrationsList = await readMigrationFolder(options.migrationsDir ?? migrationsDir);
  const diagnosis = await withEngine(options, (engine) =>
    engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: noSchemaFilter,
    }),
  );
  const history: HistoryDiagnostic | null = diagnosis.history;
  const pending =
    history === null
      ? []
      : history.diagnostic === 'migrationsDirectoryIsBehind'
        ? []
        : history.unappliedMigrationNames;
  const unknown =
    history === null || history.diagnostic === 'databaseIsBehind' ? [] : history.unpersistedMigrationNames;
  const total = migrationsList.migrationDirectories.length;
  return {
    upToDate:
      diagnosis.hasMigrationsTable &&
      pending.length === 0 &&
      unknown.length === 0 &&
      diagnosis.failedMigrationNames.length === 0 &&
      diagnosis.editedMigrationNames.length === 0,
    appliedCount: diagnosis.hasMigrationsTable ? total - pending.length : 0,
    pending: diagnosis.hasMigrationsTable ? pending : migrationsList.migrationDirectories.map((m) => m.path),
    failed: diagnosis.failedMigrationNames,
    edited: diagnosis.editedMigrationNames,
    unknown,
  };
}

/**
 * The committed migrations `_prisma_migrations` does not record as finished, read with one plain
 * query; undefined when the history cannot be read (no table yet): the engine then decides. A
 * failed or rolled-back migration counts as unfinished, so the engine reports it.
 */
async function unfinishedMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  names: readonly string[],
): Promise<string[] | undefined> {
  const adapter = await adapterFactory.connect();
  try {
    const result = await adapter.queryRaw({
      sql: 'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      args: [],
      argTypes: [],
    });
    const finished = new Set(result.rows.map((row) => String(row[0])));
    return names.filter((name) => !finished.has(name));
  } catch {
    return undefined;
  } finally {
    await adapter.dispose();
  }
}
