import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm';

const LOCKFILE = 'migration_lock.toml';

/** Reads a Prisma migrations folder into the shape the schema engine expects. */
export async function readMigrationFolder(baseDir: string): Promise<MigrationList> {
  const entries = await readdir(baseDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(join(baseDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  );
  let lockfileContent: string | null = null;
  try {
    lockfileContent = await readFile(join(baseDir, LOCKFILE), 'utf8');
  } catch {
    lockfileContent = null;
  }
  return {
    baseDir,
    lockfile: { path: LOCKFILE, content: lockfileContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

export const noSchemaFilter = { externalTables: [], externalEnums: [] };
