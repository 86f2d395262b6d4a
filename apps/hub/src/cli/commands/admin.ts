import type { Command } from 'commander';
import { note, printRecord } from '../output.js';
import { type HubFlags, hubOptions, show, withHub } from '../session.js';

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('workspace administrators');
  hubOptions(
    admin
      .command('create')
      .description("hub operator: create a workspace's first admin (its owner) and print their token once")
      .requiredOption('--username <username>', 'username (a new user)')
      .option('--email <email>', 'email address'),
  ).action((flags: HubFlags & { username: string; email?: string }) =>
    withHub(flags, async (session) => {
      const workspace = flags.workspace ?? session.context.env.SWITCHBOARD_WORKSPACE;
      if (!workspace) throw new Error('pass --workspace <slug> (or set SWITCHBOARD_WORKSPACE)');
      const created = await session.client.call<Record<string, unknown>>(
        'POST',
        `/api/v1/workspaces/${encodeURIComponent(workspace)}/admins`,
        { username: flags.username, ...(flags.email ? { email: flags.email } : {}) },
      );
      show(session, created, () => {
        const { token, identities, ...rest } = created;
        const linked = (identities as { linked?: unknown[]; failed?: unknown[] } | undefined) ?? {};
        printRecord({
          ...rest,
          workspace: (rest.workspace as { slug?: string }).slug,
          identities: `${linked.linked?.length ?? 0} linked, ${linked.failed?.length ?? 0} failed`,
          token,
        });
        note(
          `\nThe token is shown once. Use it for the workspace's commands:\n  export SWITCHBOARD_TOKEN=${String(token)}`,
        );
      });
    }),
  );
}
