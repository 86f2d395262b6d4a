import type { Command } from 'commander';
import { CliError } from '../client.js';
import { note, printRecord, printTable } from '../output.js';
import { type HubFlags, hubOptions, type Session, show, withHub } from '../session.js';

/** An agent named by id or name, as the API wants an id. */
export async function agentId(session: Session, ref: string): Promise<string> {
  const agents = await session.client.listAll(`${await session.workspacePath()}/agents`, 'agents');
  const found = agents.find((a) => a.id === ref || a.name === ref);
  if (!found) throw new CliError(`no agent "${ref}" in this workspace (see \`switchboard agent list\`)`);
  return String(found.id);
}

export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('agents (your code that receives the messages)');
  hubOptions(
    agent
      .command('create')
      .description('register an agent; prints its delivery secret once')
      .requiredOption('--name <name>', 'agent name')
      .requiredOption('--delivery-url <url>', 'where the hub POSTs deliveries')
      .option('--secret <secret>', 'delivery secret to use (default: a random one, printed once)'),
  ).action((flags: HubFlags & { name: string; deliveryUrl: string; secret?: string }) =>
    withHub(flags, async (session) => {
      const path = `${await session.workspacePath()}/agents`;
      const created = await session.client.call<Record<string, unknown>>('POST', path, {
        name: flags.name,
        deliveryUrl: flags.deliveryUrl,
        ...(flags.secret ? { deliverySecret: flags.secret } : {}),
      });
      // Without --secret the hub generates one and returns it this once.
      const result = created;
      show(session, result, () => {
        printRecord(result);
        if (result.deliverySecret) note('\nThe delivery secret is shown once; give it to your agent now.');
      });
    }),
  );
  hubOptions(agent.command('list').description('list agents')).action((flags: HubFlags) =>
    withHub(flags, async (session) => {
      const items = await session.client.listAll(`${await session.workspacePath()}/agents`, 'agents');
      show(session, { items }, () => printTable(items, ['name', 'deliveryUrl', 'hasDeliverySecret', 'id']));
    }),
  );
  hubOptions(
    agent
      .command('rotate-secret <agent>')
      .description('replace the delivery secret (id or name); printed once'),
  ).action((ref: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      const id = await agentId(session, ref);
      const result = await session.client.call(
        'POST',
        `${await session.workspacePath()}/agents/${id}/delivery-secret`,
      );
      show(session, result, () => {
        printRecord(result);
        note('\nThe delivery secret is shown once; give it to your agent now.');
      });
    }),
  );
}
