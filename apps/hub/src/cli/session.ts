import type { Command } from 'commander';
import { CliError, HubClient } from './client.js';
import { type CliContext, cliContext } from './context.js';
import { printJson } from './output.js';
import { connectToHub } from './target.js';

/** Flags every command that talks to a hub accepts. */
export interface HubFlags {
  url?: string;
  token?: string;
  dataDir?: string;
  json?: boolean;
  workspace?: string;
}

export function hubOptions(command: Command, options: { workspace?: boolean } = {}): Command {
  command
    .option('--url <url>', 'hub to talk to (env SWITCHBOARD_URL; default: the hub on --data-dir)')
    .option('--token <token>', 'API token (env SWITCHBOARD_TOKEN; default: the local operator credential)')
    .option('--data-dir <dir>', 'data directory of the embedded database')
    .option('--json', 'print JSON only (for scripts)');
  if (options.workspace !== false) {
    command.option('-w, --workspace <slug>', 'workspace slug or id (env SWITCHBOARD_WORKSPACE)');
  }
  return command;
}

export interface Session {
  client: HubClient;
  context: CliContext;
  json: boolean;
  /** `/api/v1/workspaces/<ws>` for the chosen workspace. */
  workspacePath(): Promise<string>;
}

/** Connects (see target.ts), runs one command and always lets go of the hub afterwards. */
export async function withHub<T>(flags: HubFlags, run: (session: Session) => Promise<T>): Promise<T> {
  const context = cliContext(flags);
  const target = await connectToHub(context, flags);
  const client = new HubClient(target);
  let chosen: string | undefined;
  const session: Session = {
    client,
    context,
    json: flags.json === true,
    workspacePath: async () => {
      if (target.operator) {
        throw new CliError(
          'this command acts inside a workspace, as one of its members: pass --token or set ' +
            'SWITCHBOARD_TOKEN (`switchboard admin create` prints a token for the first admin)',
        );
      }
      chosen ??= flags.workspace ?? context.env.SWITCHBOARD_WORKSPACE ?? (await onlyWorkspace(client));
      return `/api/v1/workspaces/${encodeURIComponent(chosen)}`;
    },
  };
  try {
    return await run(session);
  } finally {
    await target.close();
  }
}

async function onlyWorkspace(client: HubClient): Promise<string> {
  const workspaces = await client.list('/api/v1/workspaces?limit=2', 'workspaces');
  if (workspaces.length === 1) return String(workspaces[0]?.slug);
  throw new CliError(
    workspaces.length === 0
      ? 'this token belongs to no workspace'
      : 'this token reaches several workspaces: pass --workspace or set SWITCHBOARD_WORKSPACE',
  );
}

/** Prints `value` as JSON with --json, else calls `human`. */
export function show(session: Session, value: unknown, human: () => void): void {
  if (session.json) printJson(value);
  else human();
}
