#!/usr/bin/env node
// The whole test suite in one command: lint, typecheck, then every vitest project.
// Extra arguments go to vitest (e.g. `pnpm test packages/db`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
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
  const projects = [];
  for (const group of ['packages', 'apps', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      const tsconfig = join(root, group, name, 'tsconfig.json');
      if (existsSync(tsconfig)) projects.push({ label: `${group}/${name}`, tsconfig });
    }
  }
  await typecheckAll(projects);
}

/** One tsc per project, as many at once as there are cores; each one's output printed whole. */
async function typecheckAll(projects) {
  console.log(`\n▶ typecheck (${projects.length} projects)`);
  const queue = [...projects];
  const failed = [];
  const worker = async () => {
    for (let project = queue.shift(); project; project = queue.shift()) {
      const { label, tsconfig } = project;
      const { status, output } = await new Promise((resolve) => {
        const child = spawn(bin('tsc'), ['--noEmit', '-p', tsconfig], { env: process.env });
        let text = '';
        child.stdout.on('data', (chunk) => {
          text += chunk;
        });
        child.stderr.on('data', (chunk) => {
          text += chunk;
        });
        child.on('close', (code) => resolve({ status: code, output: text }));
      });
      console.log(`  ${status === 0 ? '✓' : '✖'} typecheck ${label}`);
      if (output.trim()) console.log(output);
      if (status !== 0) failed.push(label);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), 4)) }, worker));
  if (failed.length > 0) {
    console.error(`\n✖ typecheck failed: ${failed.join(', ')}`);
    process.exit(1);
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
