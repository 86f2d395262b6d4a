import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The repository's `prisma/` folder: schema.prisma and the committed migrations. */
export const prismaDir = process.env.SWITCHBOARD_PRISMA_DIR ?? resolve(packageDir, '../../prisma');
export const schemaPath = resolve(prismaDir, 'schema.prisma');
export const migrationsDir = resolve(prismaDir, 'migrations');
