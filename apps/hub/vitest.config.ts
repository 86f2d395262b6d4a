import { defineConfig } from 'vitest/config';

// `source` resolves workspace packages to their TypeScript, so no build is needed first
// (the rest is Vite's default list, which setting `conditions` replaces).
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 90_000 },
});
