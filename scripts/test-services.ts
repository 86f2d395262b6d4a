// Vitest global setup: finds the test PostgreSQL server before any suite runs.
// - Reachable: PostgreSQL suites run (each test file creates and drops its own databases).
// - Not reachable: tries the machine's service starter, then either fails (REQUIRE_POSTGRES=1, as
//   CI sets) or lets the suites run on embedded PGlite only and says loudly what was skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function startServices(): void {
  const script = resolve(import.meta.dirname, '../../shared/scripts/services-up.sh');
  if (existsSync(script)) spawnSync('bash', [script], { stdio: 'inherit', timeout: 60_000 });
}

export default async function setup(): Promise<void> {
  if (process.env.SWITCHBOARD_TEST_POSTGRES === '0') {
    process.env.SWITCHBOARD_TEST_POSTGRES_URL = '';
  } else {
    const url = process.env.SWITCHBOARD_TEST_POSTGRES_URL || DEFAULT_URL;
    let up = await reachable(url);
    if (!up) {
      startServices();
      up = await reachable(url);
    }
    process.env.SWITCHBOARD_TEST_POSTGRES_URL = up ? url : '';
  }
  if (process.env.SWITCHBOARD_TEST_POSTGRES_URL) return;
  if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error('REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at 127.0.0.1:5432');
  }
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! PostgreSQL is not reachable: every PostgreSQL suite is SKIPPED and only the\n` +
      `!! embedded PGlite variants run. Store, migration, ingress and hub suites named\n` +
      `!! "[postgres]" did not run. Set REQUIRE_POSTGRES=1 to make this an error.\n${line}\n`,
  );
}
