#!/usr/bin/env node
// The whole test suite in one command: lint, typecheck, then every vitest project.
// Extra arguments go to vitest (e.g. `pnpm test packages/db`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join(import.meta.dirname, '..', 'node_modules', '.bin', name);
function run(label, command, args) {
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error(`\n✖ ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

const vitestArgs = process.argv.slice(2);
if (vitestArgs.length === 0) {
  run('lint (biome)', bin('biome'), ['check', '.']);
  // tsc per workspace package directly: turbo needs a pnpm binary on PATH, which `npx pnpm` lacks.
  const root = join(import.meta.dirname, '..');
  for (const group of ['packages', 'apps', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      const tsconfig = join(root, group, name, 'tsconfig.json');
      if (existsSync(tsconfig)) run(`typecheck ${group}/${name}`, bin('tsc'), ['--noEmit', '-p', tsconfig]);
    }
  }
}

const reportDir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
const report = join(reportDir, 'vitest.json');
console.log('\n▶ tests (vitest)');
const result = spawnSync(
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs],
  { stdio: 'inherit', env: process.env },
);
let summary = '';
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = json.numPendingTests + json.numTodoTests;
  summary = `${json.numPassedTests} passed, ${json.numFailedTests} failed, ${skipped} skipped`;
} catch {
  summary = '';
}
rmSync(reportDir, { recursive: true, force: true });
if (summary) console.log(`\nTests: ${summary}`);
process.exit(result.status ?? 1);
