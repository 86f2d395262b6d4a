import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { migrationsDir as defaultMigrationsDir, schemaPath as defaultSchemaPath } from '../paths.js';
import { noSchemaFilter, readMigrationFolder } from './migration-folder.js';
import { openSchemaEngine } from './schema-engine.js';

/**
 * Indexes written by hand in migration SQL because schema.prisma cannot express them. The
 * engine does not know them, so it proposes to drop them in every diff; those statements are
 * removed from generated migrations.
 */
export const HAND_WRITTEN_INDEXES = [
  'channel_installation_active_app_key_key',
  'identity_scope_key',
  'channel_inbound_message_dedup_open_conversation_idx',
  'channel_inbound_message_dedup_open_idx',
  'channel_outbound_message_open_chat_idx',
] as const;

function dropsHandWrittenIndex(statement: string): boolean {
  return HAND_WRITTEN_INDEXES.some((name) => new RegExp(`DROP INDEX\\s+"${name}"`, 'i').test(statement));
}

/**
 * Returns the SQL that takes a database from the committed migrations to schema.prisma, or an
 * empty string when they agree. It replays the migrations on a throwaway in-memory PGlite (the
 * shadow database), so it never touches a real database.
 */
export async function diffSchemaAgainstMigrations(
  options: { migrationsDir?: string; schemaPath?: string } = {},
): Promise<string> {
  const schemaPath = options.schemaPath ?? defaultSchemaPath;
  const schema = await readFile(schemaPath, 'utf8');
  const migrations = await readMigrationFolder(options.migrationsDir ?? defaultMigrationsDir);
  const shadow = new PGlite();
  try {
    const opened = await openSchemaEngine({ path: schemaPath, content: schema }, new PrismaPGlite(shadow));
    try {
      const result = await opened.engine.diff({
        from: { tag: 'migrations', ...migrations },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
        script: true,
        exitCode: null,
        filters: noSchemaFilter,
      });
      const script = result.stdout ?? '';
      return script
        .split(/\n(?=-- )/)
        .filter((block) => !dropsHandWrittenIndex(block))
        .join('\n')
        .trim()
        .replace(/^-- This is an empty migration\.$/m, '')
        .trim();
    } finally {
      await opened.close();
    }
  } finally {
    await shadow.close();
  }
}
