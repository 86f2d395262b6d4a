import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * PGlite is a single-process database: two processes opening the same folder each keep their own
 * buffers and WAL position and silently overwrite each other's pages. This lock makes the folder
 * belong to one process at a time. It is a pid file created with O_EXCL; a file whose process is
 * gone (killed, crashed) is stale and taken over.
 */
export const DATA_DIR_LOCK_FILE = 'owner.lock';

export interface LockOwner {
  pid: number;
  /** What holds it: `the hub`, `a switchboard command`, … (used in the refusal). */
  holder: string;
  /** Where the holder serves HTTP, when it does. */
  url?: string;
  since: string;
}

export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `${owner.holder} (pid ${owner.pid}) owns ${basename(dataDir)}; run this command against it with --url${owner.url ? ` ${owner.url}` : ''}, or stop it`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Records where the owner serves (shown to a refused process). */
  update(fields: { url?: string }): Promise<void>;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? (parsed as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** The live owner of a data folder, or undefined when it is free (or its owner died). */
export async function dataDirOwner(dataDir: string): Promise<LockOwner | undefined> {
  const owner = await readOwner(join(dataDir, DATA_DIR_LOCK_FILE));
  return owner && isAlive(owner.pid) ? owner : undefined;
}

// A file being written by its creator reads empty for an instant; only an old one is stale.
const UNREADABLE_STALE_AFTER_MS = 5_000;

/**
 * Takes the folder or throws `DataDirLockedError` naming the live owner. Re-entrant for the same
 * process would hide a bug (two opens in one process corrupt PGlite too), so it is refused as well.
 */
export async function lockDataDir(dataDir: string, holder: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  let owner: LockOwner = { pid: process.pid, holder, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, JSON.stringify(owner), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 20) throw error;
    }
    const current = await readOwner(path);
    if (current && isAlive(current.pid)) throw new DataDirLockedError(dataDir, current);
    if (!current) {
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      if (age < UNREADABLE_STALE_AFTER_MS) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
    }
    // The owner is gone: take the folder over, one process at a time (two processes finding the
    // same dead owner must not both remove the lock and each create their own).
    await removeStaleLock(path, current);
  }

  let released = false;
  // A process that exits without closing (process.exit, an uncaught error) leaves no lock behind.
  const onExit = () => {
    if (!released) removeIfOurs(path);
  };
  process.once('exit', onExit);
  return {
    path,
    update: async (fields) => {
      owner = { ...owner, ...fields };
      // Written aside and renamed over: a reader never sees a half-written (empty) lock.
      const next = `${path}.${process.pid}.tmp`;
      await writeFile(next, JSON.stringify(owner), { mode: 0o600 });
      await rename(next, path);
    },
    release: async () => {
      if (released) return;
      released = true;
      process.removeListener('exit', onExit);
      removeIfOurs(path);
    },
  };
}

const TAKEOVER_STALE_AFTER_MS = 10_000;

async function removeStaleLock(path: string, stale: LockOwner | undefined): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Someone else is taking over; a guard left by a process that died mid-takeover expires.
    const age = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_STALE_AFTER_MS) await rmdir(guard).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    return;
  }
  try {
    // Still the same dead owner? (Another process may have taken over in the meantime.)
    const now = await readOwner(path);
    if (now?.pid === stale?.pid && now?.since === stale?.since) await unlink(path).catch(() => {});
  } finally {
    await rmdir(guard).catch(() => {});
  }
}

function removeIfOurs(path: string): void {
  try {
    const current = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (current.pid === process.pid) unlinkSync(path);
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}
