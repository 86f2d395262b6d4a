import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError } from '../client.js';
import { note, printRecord, printTable } from '../output.js';
import { type HubFlags, hubOptions, show, withHub } from '../session.js';
import { parseSetting } from './installation.js';
import { memberId } from './member.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const COLUMNS = ['id', 'state', 'who', 'nextStep'];

type Account = Record<string, unknown> & { detail?: Record<string, unknown> };

const who = (account: Account) => account.detail?.login ?? account.detail?.email ?? '';

function showAccount(account: Account): void {
  printRecord({
    id: account.id,
    state: account.state,
    who: who(account),
    externalId: account.externalId,
    grants: JSON.stringify(account.grants),
    lastError: account.lastError,
  });
  note(`\nnext: ${String(account.nextStep)}`);
}

async function configFrom(flags: { fromFile?: string; set: string[] }): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = {};
  if (flags.fromFile) {
    try {
      base = JSON.parse(await readFile(flags.fromFile, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new CliError(
        `${flags.fromFile} is not a JSON object of config keys: ${(error as Error).message}`,
      );
    }
  }
  return { ...base, ...Object.fromEntries(flags.set.map(parseSetting)) };
}

/**
 * `switchboard account ...`: platform accounts of members (e.g. an org invitation), made by an
 * account-provisioner installation: connect one, grant access, follow, cancel and retry.
 */
export function registerAccountCommands(program: Command): void {
  const account = program.command('account').description("members' platform accounts (account provisioners)");

  hubOptions(
    account
      .command('connect')
      .description('connect an account provisioner (an installation with no agent), e.g. an org')
      .requiredOption('--type <type>', 'provisioner type (GET /api/v1/channel-types lists them)')
      .option('--from-file <path>', 'JSON file of config keys')
      .option('--set <key=value>', 'a config key (repeatable; secrets too, never echoed)', collect, []),
  ).action((flags: HubFlags & { type: string; fromFile?: string; set: string[] }) =>
    withHub(flags, async (session) => {
      const created = await session.client.call<Record<string, unknown>>(
        'POST',
        `${await session.workspacePath()}/installations`,
        { channelType: flags.type, config: await configFrom(flags) },
      );
      show(session, created, () => {
        printRecord({ id: created.id, channelType: created.channelType, webhookUrl: created.webhookUrl });
        note(`\nnext: point the platform's webhook at ${String(created.webhookUrl)}`);
      });
    }),
  );

  hubOptions(
    account
      .command('grant <member>')
      .description('ask for a platform account for a member (user id, username or email)')
      .requiredOption('--installation <id>', 'the account-provisioner installation')
      .option('--email <email>', 'invite this email')
      .option('--username <login>', "the person's platform username (invited by it, not by email)")
      .option('--role <role>', 'platform role, e.g. direct_member or admin')
      .option('--team <slug>', 'a team to grant once the account is active (repeatable)', collect, []),
  ).action(
    (
      who: string,
      flags: HubFlags & {
        installation: string;
        email?: string;
        username?: string;
        role?: string;
        team: string[];
      },
    ) =>
      withHub(flags, async (session) => {
        if (!flags.email && !flags.username) throw new CliError('give --email or --username');
        const userId = await memberId(session, who);
        const answer = await session.client.call<Account>(
          'POST',
          `${await session.workspacePath()}/members/${userId}/accounts`,
          {
            installationId: flags.installation,
            ...(flags.email ? { email: flags.email } : {}),
            ...(flags.username ? { login: flags.username } : {}),
            ...(flags.role ? { role: flags.role } : {}),
            ...(flags.team.length > 0 ? { teams: flags.team } : {}),
          },
        );
        show(session, answer, () => showAccount(answer));
      }),
  );

  hubOptions(
    account
      .command('list')
      .description('account requests that need a person (pending, invited, failed, expired)')
      .option('--state <states>', 'comma-separated states instead'),
  ).action((flags: HubFlags & { state?: string }) =>
    withHub(flags, async (session) => {
      const query = flags.state ? `?state=${encodeURIComponent(flags.state)}` : '';
      const items = (await session.client.list(
        `${await session.workspacePath()}/accounts${query}`,
        'accounts',
      )) as Account[];
      show(session, { items }, () =>
        printTable(
          items.map((a) => ({ ...a, who: who(a) })),
          COLUMNS,
        ),
      );
    }),
  );

  hubOptions(
    account.command('cancel <accountId>').description('cancel a request and withdraw its invitation'),
  ).action((accountId: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      await session.client.call('DELETE', `${await session.workspacePath()}/accounts/${accountId}`);
      show(session, { canceled: accountId }, () => note(`canceled ${accountId}`));
    }),
  );

  hubOptions(account.command('retry <accountId>').description('ask the platform again')).action(
    (accountId: string, flags: HubFlags) =>
      withHub(flags, async (session) => {
        const answer = await session.client.call<Account>(
          'POST',
          `${await session.workspacePath()}/accounts/${accountId}/retry`,
        );
        show(session, answer, () => showAccount(answer));
      }),
  );

  hubOptions(
    account.command('status <installationId>').description("the installation's standing on its platform"),
  ).action((installationId: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      const answer = await session.client.call<Record<string, unknown>>(
        'GET',
        `${await session.workspacePath()}/account-installations/${installationId}/status`,
      );
      show(session, answer, () => {
        printRecord({ ok: answer.ok, ...(answer.detail as Record<string, unknown>) });
        if (answer.message) note(`\n${String(answer.message)}`);
      });
    }),
  );
}
