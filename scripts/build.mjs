#!/usr/bin/env node
// Builds every workspace package that has a tsconfig.build.json to its dist/ (ESM + .d.ts), each
// after the workspace packages it depends on, then the apps. A plain ordered loop rather than
// turbo: turbo needs a pnpm binary on PATH, which `npx pnpm` lacks.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');

/** Workspace packages with a build config, by name: their folder and workspace dependencies. */
function buildablePackages() {
  const found = new Map();
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(group, name);
      if (!existsSync(join(root, dir, 'tsconfig.build.json'))) continue;
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      const deps = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })
        .filter(([, range]) => String(range).startsWith('workspace:'))
        .map(([dep]) => dep);
      found.set(manifest.name, { dir, deps });
    }
  }
  return found;
}

/** Dependencies first; a cycle between workspace packages is a mistake worth stopping for. */
function buildOrder(packages) {
  const order = [];
  const state = new Map();
  const visit = (name, path) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new Error(`workspace dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of packages.get(name).deps) if (packages.has(dep)) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(packages.get(name).dir);
  };
  for (const name of [...packages.keys()].sort()) visit(name, []);
  return order;
}

for (const dir of buildOrder(buildablePackages())) {
  console.log(`▶ build ${dir}`);
  // Stale output from renamed or deleted sources would otherwise ship.
  rmSync(join(root, dir, 'dist'), { recursive: true, force: true });
  const result = spawnSync(tsc, ['-p', join(root, dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✖ build ${dir} failed`);
    process.exit(result.status ?? 1);
  }
}
