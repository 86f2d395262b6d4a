import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError } from '../client.js';
import { note, printRecord, printTable } from '../output.js';
import { type HubFlags, hubOptions, show, withHub } from '../session.js';
import { agentId } from './agent.js';

/** `key=value`; `true`/`false` become booleans and JSON objects, arrays and strings are parsed. */
export function parseSetting(pair: string): [string, unknown] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new CliError(`--set wants key=value, got "${pair}"`);
  const key = pair.slice(0, at);
  const raw = pair.slice(at + 1);
  if (raw === 'true' || raw === 'false') return [key, raw === 'true'];
  if (/^[[{"]/.test(raw)) {
    try {
      return [key, JSON.parse(raw)];
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  return [key, raw];
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold a JSON object of config keys`);
  }
  return parsed as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function configFrom(flags: { fromFile?: string; set: string[] }): Promise<Record<string, unknown>> {
  const base = flags.fromFile ? await readConfigFile(flags.fromFile) : {};
  return { ...base, ...Object.fromEntries(flags.set.map(parseSetting)) };
}

const COLUMNS = ['id', 'channelType', 'status', 'agentId', 'webhookUrl'];

function showInstallation(installation: Record<string, unknown>): void {
  printRecord({
    id: installation.id,
    channelType: installation.channelType,
    status: installation.status,
    agentId: installation.agentId,
    webhookUrl: installation.webhookUrl,
    config: installation.config,
    secretsSet: installation.secretsSet,
    ...(installation.runtime ? { runtime: installation.runtime } : {}),
  });
}

export function registerInstallationCommands(program: Command): void {
  const installation = program.command('installation').description('channel installations of agents');
  hubOptions(
    installation
      .command('create')
      .description(
        'connect an agent to a channel; the config is checked by the channel type (and its platform)',
      )
      .requiredOption('--agent <agent>', 'agent id or name')
      .requiredOption('--type <channelType>', 'channel type (GET /api/v1/channel-types lists them)')
      .option('--from-file <file>', 'config keys as a JSON object (- for stdin)')
      .option('--set <key=value>', 'one config key (repeatable; wins over --from-file)', collect, []),
  ).action((flags: HubFlags & { agent: string; type: string; fromFile?: string; set: string[] }) =>
    withHub(flags, async (session) => {
      const config = await configFrom(flags);
      const created = await session.client.call<Record<string, unknown>>(
        'POST',
        `${await session.workspacePath()}/installations`,
        { agentId: await agentId(session, flags.agent), channelType: flags.type, config },
      );
      show(session, created, () => {
        showInstallation(created);
        if (created.config && (created.config as { mode?: string }).mode !== 'socket') {
          const url = String(created.webhookUrl);
          note(`\nPlatforms deliver events to ${url}`);
          if (/^https?:\/\/(127\.|localhost|\[::1\]|0\.0\.0\.0)/.test(url)) {
            note(
              'That address is only reachable from this machine: set SWITCHBOARD_PUBLIC_URL on the hub ' +
                '(e.g. a tunnel), or use a long connection where the platform has one (e.g. --set mode=socket).',
            );
          }
        }
      });
    }),
  );
  hubOptions(
    installation
      .command('update <id>')
      .description('change some config keys; the others (secrets included) keep their value')
      .option('--from-file <file>', 'config keys as a JSON object (- for stdin)')
      .option('--set <key=value>', 'one config key (repeatable)', collect, []),
  ).action((id: string, flags: HubFlags & { fromFile?: string; set: string[] }) =>
    withHub(flags, async (session) => {
      const updated = await session.client.call<Record<string, unknown>>(
        'PATCH',
        `${await session.workspacePath()}/installations/${encodeURIComponent(id)}`,
        { config: await configFrom(flags) },
      );
      show(session, updated, () => showInstallation(updated));
    }),
  );
  hubOptions(installation.command('list').description('list installations')).action((flags: HubFlags) =>
    withHub(flags, async (session) => {
      const items = await session.client.listAll(
        `${await session.workspacePath()}/installations`,
        'installations',
      );
      show(session, { items }, () => printTable(items, COLUMNS));
    }),
  );
  hubOptions(
    installation.command('show <id>').description('one installation, with its runtime state'),
  ).action((id: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      const found = await session.client.call<Record<string, unknown>>(
        'GET',
        `${await session.workspacePath()}/installations/${encodeURIComponent(id)}`,
      );
      show(session, found, () => showInstallation(found));
    }),
  );
  hubOptions(
    installation.command('status <id>').description('connection, traffic and backlog of an installation'),
  ).action((id: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      const status = await session.client.call<Record<string, unknown>>(
        'GET',
        `${await session.workspacePath()}/installations/${encodeURIComponent(id)}/status`,
      );
      show(session, status, () =>
        printRecord({ id: status.id, status: status.status, ...(status.runtime as Record<string, unknown>) }),
      );
    }),
  );
  hubOptions(
    installation.command('revoke <id>').description('revoke an installation (its row is kept)'),
  ).action((id: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      const revoked = await session.client.call<Record<string, unknown>>(
        'DELETE',
        `${await session.workspacePath()}/installations/${encodeURIComponent(id)}`,
      );
      show(session, revoked, () => showInstallation(revoked));
    }),
  );
}
