import { defineConfig } from 'prisma/config';

// Prisma 7 keeps connection details out of schema.prisma. The runtime never reads this file: it
// connects through a driver adapter (PGlite or PostgreSQL, see packages/db). Only the CLI does.
export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
});
