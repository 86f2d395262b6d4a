import { defineConfig } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

// These suites talk to local fake platforms over real HTTP: a loaded CI machine needs more than
// vitest's 5 s default for the longer scenarios (they assert order, never time).
export default defineConfig({
  ...sourceResolution,
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
