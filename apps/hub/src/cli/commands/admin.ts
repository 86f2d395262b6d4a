import type { Command } from 'commander';
import { linkMemberIdentities } from '../../identity/member-identities.js';
import { cliContext, withRuntime } from '../context.js';

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('workspace administrators');
  admin
    .command('create')
    .description('create (or reuse) a user, make them a workspace admin and print a bearer token once')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .requiredOption('--username <username>', 'username')
    .option('--email <email>', 'email address')
    .option('--data-dir <dir>', 'data directory of the embedded database')
    .action(async (options: { workspace: string; username: string; email?: string; dataDir?: string }) => {
      const context = cliContext(options);
      await withRuntime(context, { migrate: true }, async ({ stores }) => {
        const workspace = await stores.workspaces.resolve(options.workspace);
        const user =
          (await stores.users.findByUsername(options.username)) ??
          (await stores.users.create({ username: options.username, email: options.email }));
        const current = await stores.members.find(workspace.id, user.id);
        // Never demote an owner by making them an admin.
        if (current?.role !== 'owner') await stores.members.upsert(workspace.id, user.id, 'admin');
        // Reported, never fatal: the admin exists; running the command again repairs a failed link.
        const identities = await linkMemberIdentities(stores.identities, user, context.logger);
        const issued = await stores.apiTokens.issue({
          userId: user.id,
          workspaceId: workspace.id,
          name: 'cli',
        });
        console.log(
          JSON.stringify({
            workspace: workspace.slug,
            userId: user.id,
            username: user.username,
            token: issued.token,
            identities,
          }),
        );
        console.error('The token is shown once; store it now. Use it as: Authorization: Bearer <token>');
      });
    });
}
