import type { Command } from 'commander';
import { note, printRecord, printTable } from '../output.js';
import { type HubFlags, hubOptions, show, withHub } from '../session.js';
import { memberId } from './member.js';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens');
  hubOptions(
    token
      .command('create')
      .description('issue an API token (printed once)')
      .requiredOption('--name <name>', 'what the token is for')
      .option('--user <member>', 'for another member (user id, username or email; admins only)')
      .option('--role <role>', 'narrower scope: admin or member')
      .option('--expires-in-days <days>', 'lifetime in days (1-365, default 90)', (v) =>
        Number.parseInt(v, 10),
      ),
  ).action((flags: HubFlags & { name: string; user?: string; role?: string; expiresInDays?: number }) =>
    withHub(flags, async (session) => {
      const body = {
        name: flags.name,
        ...(flags.user ? { userId: await memberId(session, flags.user) } : {}),
        ...(flags.role ? { role: flags.role } : {}),
        ...(flags.expiresInDays !== undefined ? { expiresInDays: flags.expiresInDays } : {}),
      };
      const issued = await session.client.call('POST', `${await session.workspacePath()}/tokens`, body);
      show(session, issued, () => {
        printRecord(issued);
        note('\nThe token is shown once; store it now.');
      });
    }),
  );
  hubOptions(token.command('list').description('list API tokens (never their values)')).action(
    (flags: HubFlags) =>
      withHub(flags, async (session) => {
        const items = await session.client.listAll(`${await session.workspacePath()}/tokens`, 'tokens');
        show(session, { items }, () =>
          printTable(items, ['id', 'prefix', 'name', 'role', 'lastUsedAt', 'expiresAt', 'revokedAt']),
        );
      }),
  );
  hubOptions(token.command('revoke <tokenId>').description('revoke an API token')).action(
    (tokenId: string, flags: HubFlags) =>
      withHub(flags, async (session) => {
        await session.client.call(
          'DELETE',
          `${await session.workspacePath()}/tokens/${encodeURIComponent(tokenId)}`,
        );
        show(session, { revoked: true, id: tokenId }, () => note(`revoked ${tokenId}`));
      }),
  );
}
