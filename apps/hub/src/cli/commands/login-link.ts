import type { Command } from 'commander';
import { CliError } from '../client.js';
import { note, printRecord } from '../output.js';
import { type HubFlags, hubOptions, show, withHub } from '../session.js';

/** `switchboard login-link --user alice`: a one-time console sign-in link, for the hub operator. */
export function registerLoginLinkCommand(program: Command): void {
  hubOptions(
    program
      .command('login-link')
      .description('hub operator: print a one-time sign-in link to the console for a user (valid 15 min)')
      .requiredOption('--user <username>', 'the user to sign in'),
    { workspace: false },
  ).action((flags: HubFlags & { user: string }) =>
    withHub(flags, async (session) => {
      if (!session.client.target.operator) {
        throw new CliError(
          'login-link needs the hub operator credential: run it on the hub’s machine without --token',
        );
      }
      const link = await session.client.call<{ username: string; url: string; expiresAt: string }>(
        'POST',
        '/api/v1/console/login-links',
        { username: flags.user },
      );
      show(session, link, () => {
        printRecord({ user: link.username, expires: link.expiresAt });
        process.stdout.write(`\n${link.url}\n`);
        note('\nOpen it in a browser; it works once. Set a password in the console to sign in without one.');
      });
    }),
  );
}
