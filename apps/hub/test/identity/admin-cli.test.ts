import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecretKey } from '@switchboard/db';
import { createPostgresDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerAdminCommands } from '../../src/cli/commands/admin.js';
import { registerWorkspaceCommands } from '../../src/cli/commands/workspace.js';

/** Runs CLI commands in this process and returns what they printed on stdout. */
async function runCli(args: string[]): Promise<string> {
  const program = new Command('switchboard').exitOverride();
  registerWorkspaceCommands(program);
  registerAdminCommands(program);
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await program.parseAsync(['node', 'switchboard', ...args]);
  } finally {
    log.mockRestore();
  }
  return printed.join('\n');
}

describe.each(testDatabaseKinds())('switchboard admin create [%s]', (kind) => {
  let dataDir: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-admin-identity-'));
    process.env.SWITCHBOARD_DATA_DIR = dataDir;
    process.env.LOG_LEVEL = 'error';
    delete process.env.DATABASE_URL;
    delete process.env.SWITCHBOARD_SECRET_KEY;
    if (kind === 'postgres') {
      const created = await createPostgresDatabase('sb_admin_identity');
      dropDatabase = created.drop;
      process.env.DATABASE_URL = created.url;
      process.env.SWITCHBOARD_SECRET_KEY = generateSecretKey();
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    process.env = saved;
    await dropDatabase?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("writes the admin's auth and email identities, and running it again links nothing twice", {
    timeout: 120_000,
  }, async () => {
    await runCli(['workspace', 'create', 'cli-ws', '--name', 'CLI']);
    const args = [
      'admin',
      'create',
      '--workspace',
      'cli-ws',
      '--username',
      'ops',
      '--email',
      'Ops@Acme.test',
    ];
    const first = JSON.parse(await runCli(args));
    expect(first.identities).toEqual({
      linked: [
        { namespace: 'auth', identifier: first.userId, status: 'linked' },
        { namespace: 'email', identifier: 'ops@acme.test', status: 'linked' },
      ],
      failed: [],
    });
    const second = JSON.parse(await runCli(args));
    expect(second.userId).toBe(first.userId);
    expect(second.identities.linked.map((l: { status: string }) => l.status)).toEqual([
      'already_linked',
      'already_linked',
    ]);
  });
});
