import { applyMigrations, migrationStatus } from '@switchboard/db';
import type { Command } from 'commander';
import { cliContext, withRuntime } from '../context.js';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database migrations');
  db.command('migrate')
    .description('apply pending migrations')
    .option('--data-dir <dir>', 'data directory of the embedded database')
    .action(async (options: { dataDir?: string }) => {
      const context = cliContext(options);
      await withRuntime(context, { migrate: false }, async ({ database }) => {
        const applied = await applyMigrations({ adapterFactory: database.adapterFactory });
        console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
      });
    });
  db.command('status')
    .description('report applied, pending, failed and edited migrations (exit 1 unless up to date)')
    .option('--data-dir <dir>', 'data directory of the embedded database')
    .action(async (options: { dataDir?: string }) => {
      const context = cliContext(options);
      const status = await withRuntime(context, { migrate: false }, ({ database }) =>
        migrationStatus({ adapterFactory: database.adapterFactory }),
      );
      console.log(JSON.stringify(status, null, 2));
      if (!status.upToDate) process.exitCode = 1;
    });
}
