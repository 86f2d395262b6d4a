import type { Command } from 'commander';
import { printRecord, printTable } from '../output.js';
import { type HubFlags, hubOptions, show, withHub } from '../session.js';

export function registerWorkspaceCommands(program: Command): void {
  const workspace = program.command('workspace').description('workspaces');
  hubOptions(workspace.command('list').description('list workspaces (all of them for the hub operator)'), {
    workspace: false,
  }).action((flags: HubFlags) =>
    withHub(flags, async (session) => {
      const items = await session.client.listAll('/api/v1/workspaces?limit=200', 'workspaces');
      show(session, { items }, () => printTable(items, ['slug', 'name', 'id', 'createdAt']));
    }),
  );
  hubOptions(
    workspace
      .command('create <slug>')
      .description('create a workspace')
      .option('--name <name>', 'display name'),
    { workspace: false },
  ).action((slug: string, flags: HubFlags & { name?: string }) =>
    withHub(flags, async (session) => {
      const created = await session.client.call('POST', '/api/v1/workspaces', {
        slug,
        ...(flags.name ? { name: flags.name } : {}),
      });
      show(session, created, () => printRecord(created));
    }),
  );
}
