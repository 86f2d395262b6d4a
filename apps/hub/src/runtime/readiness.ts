import { readdir } from 'node:fs/promises';
import type { Database } from '@switchboard/db';
import { migrationsDir } from '@switchboard/db';

export type Readiness = { ok: true } | { ok: false; reason: string };

/**
 * Ready means: the database answers and every committed migration is recorded as finished.
 * It reads `_prisma_migrations` directly instead of starting the migration engine, so probes
 * stay cheap.
 */
export function createReadinessCheck(database: Database): () => Promise<Readiness> {
  let expected: Promise<string[]> | undefined;
  const committed = () => {
    expected ??= readdir(migrationsDir, { withFileTypes: true }).then((entries) =>
      entries.filter((e) => e.isDirectory()).map((e) => e.name),
    );
    return expected;
  };
  return async () => {
    try {
      const names = await committed();
      const rows = await database.prisma.$queryRaw<Array<{ migration_name: string }>>`
        SELECT migration_name FROM _prisma_migrations
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
      const applied = new Set(rows.map((row) => row.migration_name));
      const missing = names.filter((name) => !applied.has(name));
      return missing.length === 0
        ? { ok: true }
        : { ok: false, reason: `migrations not applied: ${missing.join(', ')}` };
    } catch (error) {
      const message =
        (error as { code?: string }).code === 'database_unavailable'
          ? 'database unreachable'
          : 'database check failed';
      return { ok: false, reason: message };
    }
  };
}
