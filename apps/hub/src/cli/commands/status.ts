import type { Command } from 'commander';
import { CliError } from '../client.js';
import { note, printTable } from '../output.js';
import { type HubFlags, hubOptions, type Session, show, withHub } from '../session.js';

interface Problem {
  code: string;
  message: string;
  hint: string;
  since: string;
}

interface InstallationStatus {
  id: string;
  channelType: string;
  runtime: {
    connected: boolean;
    connectionState: string | null;
    leaseHolder: string | null;
    lastInboundAt: string | null;
    problems: Problem[];
  };
}

export interface WorkspaceStatus {
  workspace: string;
  installations: InstallationStatus[];
}

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago"; "never" for no time. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

function stateOf(runtime: InstallationStatus['runtime']): string {
  if (runtime.connected) return 'connected';
  if (runtime.connectionState === 'webhook') return runtime.lastInboundAt ? 'receiving' : 'waiting';
  return runtime.connectionState ?? (runtime.lastInboundAt ? 'receiving' : 'waiting');
}

async function workspaceSlugs(session: Session, only: string | undefined): Promise<string[]> {
  if (only) return [only];
  const listed = await session.client.listAll('/api/v1/workspaces', 'workspaces');
  return listed.map((workspace) => String(workspace.slug));
}

/** Every installation the caller may see, by workspace (a workspace it may not read is noted). */
export async function collectStatus(session: Session, only: string | undefined): Promise<WorkspaceStatus[]> {
  const result: WorkspaceStatus[] = [];
  for (const slug of await workspaceSlugs(session, only)) {
    try {
      const answer = await session.client.call<{ items: InstallationStatus[] }>(
        'GET',
        `/api/v1/workspaces/${encodeURIComponent(slug)}/status`,
      );
      result.push({ workspace: slug, installations: answer.items });
    } catch (error) {
      if (only || !(error instanceof CliError) || !/\(403 /.test(error.message)) throw error;
      note(`${slug}: skipped (only its admins see installation status)`);
    }
  }
  return result;
}

/** The terminal view: one table line per installation, then each problem with its fix. */
export function printStatus(workspaces: readonly WorkspaceStatus[], now = Date.now()): void {
  const rows = workspaces.flatMap(({ workspace, installations }) =>
    installations.map((installation) => ({
      workspace,
      installation: installation.id,
      type: installation.channelType,
      state: stateOf(installation.runtime),
      'lease holder': installation.runtime.leaseHolder,
      'last inbound': ago(installation.runtime.lastInboundAt, now),
      problems: installation.runtime.problems.length
        ? installation.runtime.problems.map((p) => p.code).join(', ')
        : 'none',
    })),
  );
  printTable(rows, [
    'workspace',
    'installation',
    'type',
    'state',
    'lease holder',
    'last inbound',
    'problems',
  ]);
  const problems = workspaces.flatMap(({ workspace, installations }) =>
    installations.flatMap((installation) =>
      installation.runtime.problems.map((problem) => ({ workspace, installation, problem })),
    ),
  );
  if (problems.length === 0) return;
  const lines = ['', 'Problems:'];
  for (const { workspace, installation, problem } of problems) {
    lines.push(`  ${workspace} ${installation.id} ${problem.code} (since ${ago(problem.since, now)})`);
    lines.push(`    ${problem.message}`);
    lines.push(`    fix: ${problem.hint}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerStatusCommand(program: Command): void {
  hubOptions(
    program
      .command('status')
      .description(
        'every installation: state, lease holder, last inbound and the problems the health monitor found, with their fix',
      ),
  ).action((flags: HubFlags) =>
    withHub(flags, async (session) => {
      const workspaces = await collectStatus(
        session,
        flags.workspace ?? session.context.env.SWITCHBOARD_WORKSPACE,
      );
      show(session, { workspaces }, () => printStatus(workspaces));
    }),
  );
}
