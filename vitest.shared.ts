import type { ViteUserConfig } from 'vitest/config';

/**
 * Workspace packages export `dist/` to the outside and their TypeScript under the `source`
 * condition; tests resolve `source` so they run on the code as written, with nothing built.
 * The rest are Vite's default conditions, which setting the list replaces.
 */
const conditions = ['source', 'module', 'node', 'development|production'];

export const sourceResolution: Pick<ViteUserConfig, 'resolve' | 'ssr'> = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
};
