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

/** Applies every committed migration not yet recorded in `_prisma_migrations`. */
export async function applyMigrations(options: MigrationRunnerOptions): Promise<string[]> {
  const migrationsList = await readMigrationFolder(options.migrationsDir ?? migrationsDir);
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
