// Writes the next migration from schema.prisma: `pnpm db:migration <name>`.
// With `--check` it writes nothing and exits 1 when schema.prisma and the migrations disagree.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffSchemaAgainstMigrations } from '../src/migrate/diff.js';
import { migrationsDir } from '../src/paths.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
const name = args.find((arg) => !arg.startsWith('--'));

const sql = await diffSchemaAgainstMigrations();
if (sql === '') {
  console.log('schema.prisma matches the committed migrations; nothing to write.');
  process.exit(0);
}
if (check) {
  console.error('schema.prisma differs from the committed migrations. Pending SQL:\n');
  console.error(sql);
  process.exit(1);
}
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: pnpm db:migration <snake_case_name> [--check]');
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const folder = join(migrationsDir, `${stamp}_${name}`);
await mkdir(folder, { recursive: true });
await writeFile(join(folder, 'migration.sql'), `${sql}\n`);

console.log(`wrote ${join(folder, 'migration.sql')}`);
