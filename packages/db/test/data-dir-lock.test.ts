import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE, DataDirLockedError, lockDataDir, openDatabase } from '../src/index.js';

const lockModule = fileURLToPath(new URL('../src/database/data-dir-lock.ts', import.meta.url));

/** Another process holding the folder, as a running hub would. */
async function holdInChild(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { lockDataDir } from ${JSON.stringify(lockModule)};
       const lock = await lockDataDir(${JSON.stringify(dataDir)}, 'the hub');
       await lock.update({ url: 'http://127.0.0.1:9999' });
       console.log('locked');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(line.toString()).toContain('locked');
  return child;
}

describe('one owner per embedded data folder', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-lock-'));
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second process and names the owner, its pid and where it serves', async () => {
    child = await holdInChild(dataDir);
    const refused = await openDatabase({ dataDir }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toBe(
      `the hub (pid ${child.pid}) owns ${dataDir.split('/').pop()}; run this command against it with --url http://127.0.0.1:9999, or stop it`,
    );
  });

  it('takes over the folder of a killed owner (stale pid)', async () => {
    child = await holdInChild(dataDir);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const database = await openDatabase({ dataDir, holder: 'the hub' });
    const owner = JSON.parse(await readFile(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, holder: 'the hub' });
    await database.close();
  });

  it('refuses a second open in the same process and frees the folder on close', async () => {
    const first = await openDatabase({ dataDir });
    await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    await first.close();
    const second = await openDatabase({ dataDir });
    await second.close();
  });

  it('treats a lock file naming a dead pid as stale', async () => {
    await writeFile(
      join(dataDir, DATA_DIR_LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 12345, holder: 'the hub', since: new Date().toISOString() }),
    );
    const lock = await lockDataDir(dataDir, 'a switchboard command');
    await lock.release();
  });

  it('lets exactly one of several racers take over a stale lock', async () => {
    await writeFile(
      join(dataDir, DATA_DIR_LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 54321, holder: 'the hub', since: new Date().toISOString() }),
    );
    const racers = await Promise.allSettled(
      Array.from({ length: 6 }, () => lockDataDir(dataDir, 'a switchboard command')),
    );
    const winners = racers.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const loser of racers.filter((r) => r.status === 'rejected')) {
      expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(DataDirLockedError);
    }
    await (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockDataDir>>>).value.release();
  });
});
