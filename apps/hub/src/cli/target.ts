import { stat } from 'node:fs/promises';
import { DataDirLockedError, dataDirOwner } from '@switchboard/db';
import { buildHub } from '../app.js';
import { createOperatorCredential } from '../http/operator.js';
import { openHubRuntime } from '../runtime/open-runtime.js';
import type { CliContext } from './context.js';
import { type OperatorFile, operatorFilePath, readOperatorFile } from './operator-file.js';

/** The hub a command talks to, and as whom. */
export interface HubTarget {
  url: string;
  token: string | undefined;
  /** True when the token is the hub operator's (it creates workspaces, not workspace content). */
  operator: boolean;
  /** `remote`: --url; `local`: the hub running on this data dir; `in-process`: booted for this command. */
  via: 'remote' | 'local' | 'in-process';
  close(): Promise<void>;
}

export interface TargetFlags {
  url?: string;
  token?: string;
}

const nothingToClose = async () => {};

/**
 * Every command speaks HTTP to a hub, so there is one code path. With `--url` (or SWITCHBOARD_URL)
 * it is that hub. Else, if a hub runs on this data dir, it is that hub, reached with the operator
 * credential it left in `operator.json`. Else the command boots the API in this process on the
 * database (holding the data dir's lock, without workers) for as long as it runs.
 */
export async function connectToHub(context: CliContext, flags: TargetFlags): Promise<HubTarget> {
  const userToken = flags.token ?? context.env.SWITCHBOARD_TOKEN;
  const explicitUrl = flags.url ?? context.env.SWITCHBOARD_URL;
  const local = await readOperatorFile(context.dataDir);
  if (explicitUrl) {
    const sameHub = local && new URL(local.url).origin === new URL(explicitUrl).origin;
    return {
      url: explicitUrl,
      token: userToken ?? (sameHub ? local.token : undefined),
      operator: userToken === undefined && sameHub === true,
      via: 'remote',
      close: nothingToClose,
    };
  }

  const embedded = !context.env.DATABASE_URL;
  const owner = embedded ? await dataDirOwner(context.dataDir) : undefined;
  if (owner) {
    // A hub that is still migrating has the lock but no address yet: wait for it to listen. A
    // file older than the lock is a crashed hub's leftover.
    const current = local && (await writtenSince(context.dataDir, owner.since)) ? local : undefined;
    const serving =
      current ?? (owner.holder === 'the hub' ? await waitForHub(context, owner.pid, owner.since) : undefined);
    if (!serving) throw new DataDirLockedError(context.dataDir, owner);
    return {
      url: serving.url,
      token: userToken ?? serving.token,
      operator: userToken === undefined,
      via: 'local',
      close: nothingToClose,
    };
  }
  if (!embedded && local && (await answers(local.url))) {
    return {
      url: local.url,
      token: userToken ?? local.token,
      operator: userToken === undefined,
      via: 'local',
      close: nothingToClose,
    };
  }

  const runtime = await openHubRuntime({
    databaseUrl: context.env.DATABASE_URL,
    dataDir: context.dataDir,
    secretKey: context.env.SWITCHBOARD_SECRET_KEY,
    logger: context.logger,
    migrate: true,
    holder: 'a switchboard command',
  });
  try {
    const operator = createOperatorCredential();
    const { app } = await buildHub({
      runtime,
      logger: context.logger,
      // What the hub will be reached at once it runs, so printed webhook URLs are right.
      publicUrl: context.env.SWITCHBOARD_PUBLIC_URL ?? `http://${context.env.HOST}:${context.env.PORT}`,
      workers: false,
      operator,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
      url: `http://127.0.0.1:${port}`,
      token: userToken ?? operator.token,
      operator: userToken === undefined,
      via: 'in-process',
      close: async () => {
        await app.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

const HUB_START_WAIT_MS = 120_000;

async function writtenSince(dataDir: string, since: string): Promise<boolean> {
  const written = await stat(operatorFilePath(dataDir)).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  // Whole seconds: some file systems keep coarse modification times.
  return written >= Math.floor(Date.parse(since) / 1000) * 1000;
}

async function waitForHub(
  context: CliContext,
  pid: number,
  since: string,
): Promise<OperatorFile | undefined> {
  process.stderr.write(`waiting for the hub (pid ${pid}) to finish starting…\n`);
  const deadline = Date.now() + HUB_START_WAIT_MS;
  let misses = 0;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const file = await readOperatorFile(context.dataDir);
    if (file && (await writtenSince(context.dataDir, since))) return file;
    // Given up only when another process owns the folder, or none has for a while (the hub exited).
    const now = await dataDirOwner(context.dataDir);
    if (now && now.pid !== pid) return undefined;
    misses = now ? 0 : misses + 1;
    if (misses >= 8) return undefined;
  }
  return undefined;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}
