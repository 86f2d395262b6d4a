#!/usr/bin/env node
// Production runs the compiled CLI (`pnpm build` writes dist/). In a checkout that was never built,
// it runs the TypeScript sources through tsx (a dev dependency) with the `source` export condition,
// so workspace packages resolve to their sources too. SWITCHBOARD_FROM_SOURCE=1 forces the sources
// (the test suite sets it, so a stale build is never what it tests). Either way the CLI runs in
// this process: a signal sent to it reaches the hub itself.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled) && process.env.SWITCHBOARD_FROM_SOURCE !== '1') {
  await import(compiled.href);
} else {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered last, so it runs first and tsx resolves with the condition added.
  register('./source-condition.mjs', import.meta.url);
  await import('../src/cli/main.ts');
}
