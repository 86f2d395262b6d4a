import type { Command } from 'commander';
import { note, printTable } from '../output.js';
import { type HubFlags, hubOptions, show, withHub } from '../session.js';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('decisions about inbound events');
  hubOptions(
    audit
      .command('tail')
      .description('the newest audit entries, newest first')
      .option('-n, --limit <n>', 'how many (1-500)', '20')
      .option('--reason <reason>', 'only this reason, e.g. delivered')
      .option('--installation <id>', 'only this installation'),
  ).action((flags: HubFlags & { limit: string; reason?: string; installation?: string }) =>
    withHub(flags, async (session) => {
      const query = new URLSearchParams({ limit: flags.limit });
      if (flags.reason) query.set('reason', flags.reason);
      if (flags.installation) query.set('installationId', flags.installation);
      const items = await session.client.list(`${await session.workspacePath()}/audit?${query}`, 'entries');
      show(session, { items }, () =>
        printTable(items, [
          'createdAt',
          'reason',
          'channelType',
          'channelUserId',
          'platformEventId',
          'installationId',
        ]),
      );
    }),
  );

  const deadLetters = program.command('dead-letters').description('events that could not be delivered');
  hubOptions(deadLetters.command('list').description('list dead letters')).action((flags: HubFlags) =>
    withHub(flags, async (session) => {
      const items = await session.client.listAll(
        `${await session.workspacePath()}/dead-letters`,
        'deadLetters',
      );
      show(session, { items }, () =>
        printTable(items, ['deliveryId', 'channelType', 'attempts', 'lastError', 'finishedAt']),
      );
    }),
  );
  hubOptions(
    deadLetters.command('retry <deliveryId>').description('queue a dead letter for delivery again'),
  ).action((deliveryId: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      const answer = await session.client.call(
        'POST',
        `${await session.workspacePath()}/dead-letters/${encodeURIComponent(deliveryId)}/retry`,
      );
      show(session, answer, () => note(`queued ${deliveryId} again`));
    }),
  );
}
