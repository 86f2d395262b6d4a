export * from './database/data-dir-lock.js';
export * from './database/errors.js';
export * from './database/open.js';
export { diffSchemaAgainstMigrations, HAND_WRITTEN_INDEXES } from './migrate/diff.js';
export { applyMigrations, type MigrationStatus, migrationStatus } from './migrate/runner.js';
export { migrationsDir, schemaPath } from './paths.js';
export * from './secrets/key-file.js';
export * from './secrets/secret-box.js';
export * from './stores/index.js';
