#!/usr/bin/env node
// Builds every workspace package to its dist/ (ESM + .d.ts) in dependency order, then the hub.
// A plain ordered loop rather than turbo: turbo needs a pnpm binary on PATH, which `npx pnpm` lacks.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const order = [
  'packages/core',
  'packages/signing',
  'packages/db',
  'packages/testkit',
  'packages/slack',
  'packages/github-invite',
  'packages/agent',
  'apps/hub',
];

for (const dir of order) {
  console.log(`▶ build ${dir}`);
  // Stale output from renamed or deleted sources would otherwise ship.
  rmSync(join(root, dir, 'dist'), { recursive: true, force: true });
  const result = spawnSync(tsc, ['-p', join(root, dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✖ build ${dir} failed`);
    process.exit(result.status ?? 1);
  }
}
