// Databases for tests: every call gets its own database, so test files run in parallel without
// sharing state. PostgreSQL suites run only where a server answers; see `postgresTestUrl`.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../database/open.js';
import { applyMigrations } from '../migrate/runner.js';

export type TestDatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  kind: TestDatabaseKind;
  db: Database;
  /** Connection string (PostgreSQL only), e.g. for a child hub process. */
  url?: string;
  drop(): Promise<void>;
}

/** The admin URL of the test PostgreSQL server, or undefined when the suite runs without it. */
export function postgresTestUrl(): string | undefined {
  const url = process.env.SWITCHBOARD_TEST_POSTGRES_URL;
  return url && url !== '' ? url : undefined;
}

/** The database kinds a store or hub suite should run against on this machine. */
export function testDatabaseKinds(): TestDatabaseKind[] {
  return postgresTestUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createPostgresDatabase(
  prefix = 'sb_test',
): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = postgresTestUrl();
  if (!adminUrl) throw new Error('SWITCHBOARD_TEST_POSTGRES_URL is not set: PostgreSQL is not available');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Opens a fresh, migrated database of the given kind. */
export async function createTestDatabase(
  kind: TestDatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openDatabase();
    if (options.migrate !== false) await applyMigrations({ adapterFactory: db.adapterFactory });
    return { kind, db, drop: () => db.close() };
  }
  const created = await createPostgresDatabase();
  const db = await openDatabase({ url: created.url, poolSize: 5 });
  if (options.migrate !== false) await applyMigrations({ adapterFactory: db.adapterFactory });
  return {
    kind,
    db,
    url: created.url,
    drop: async () => {
      await db.close();
      await created.drop();
    },
  };
}
