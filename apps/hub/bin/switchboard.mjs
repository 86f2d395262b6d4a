#!/usr/bin/env node
// Production runs the compiled CLI (`pnpm build` writes dist/). In a checkout that was never built,
// it runs the TypeScript sources through tsx (a dev dependency) with the `source` export condition,
// so workspace packages resolve to their sources too. SWITCHBOARD_FROM_SOURCE=1 forces the sources
// (the test suite sets it, so a stale build is never what it tests).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled) && process.env.SWITCHBOARD_FROM_SOURCE !== '1') {
  await import(compiled.href);
} else {
  const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(result.status ?? 1);
}
