#!/usr/bin/env node
// Generates the Prisma client without network access. `prisma generate` only checks that a
// schema-engine binary exists (it never runs it), so any existing file satisfies it; pointing it
// at Node itself keeps the command identical on machines with and without the native engine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(packageDir, 'package.json'));

let prismaCli;
try {
  prismaCli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
} catch {
  // Dependencies are not installed yet (e.g. a partial install); nothing to generate against.
  console.warn('[switchboard] prisma is not installed; skipping client generation');
  process.exit(0);
}
if (!existsSync(prismaCli)) throw new Error(`prisma CLI not found at ${prismaCli}`);

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(process.execPath, [prismaCli, 'generate'], {
  cwd: packageDir,
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
