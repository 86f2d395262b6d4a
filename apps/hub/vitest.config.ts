import { defineConfig } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Spawned CLIs run the sources, never a possibly stale dist/ (see bin/switchboard.mjs).
    env: { SWITCHBOARD_FROM_SOURCE: '1' },
  },
});
