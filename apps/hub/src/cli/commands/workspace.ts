import type { Command } from 'commander';
import { cliContext, withRuntime } from '../context.js';

export function registerWorkspaceCommands(program: Command): void {
  const workspace = program.command('workspace').description('workspaces');
  workspace
    .command('create <slug>')
    .description('create a workspace')
    .option('--name <name>', 'display name')
    .option('--data-dir <dir>', 'data directory of the embedded database')
    .action(async (slug: string, options: { name?: string; dataDir?: string }) => {
      const context = cliContext(options);
      await withRuntime(context, { migrate: true }, async ({ stores }) => {
        const created = await stores.workspaces.create({ slug, name: options.name });
        console.log(JSON.stringify({ id: created.id, slug: created.slug, name: created.name }));
      });
    });
}
