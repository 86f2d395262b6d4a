import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples/*'],
    globalSetup: ['./scripts/test-services.ts'],
    // Most suites wait on sockets and databases, not the CPU: run more files than cores.
    maxWorkers: 3,
  },
});
