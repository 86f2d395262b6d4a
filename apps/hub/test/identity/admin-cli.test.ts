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
  const write = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'switchboard', ...args]);
  } finally {
    write.mockRestore();
  }
  return printed.join('');
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

  it("writes the first admin's auth and email identities; a second first admin is refused", {
    timeout: 120_000,
  }, async () => {
    await runCli(['workspace', 'create', 'cli-ws', '--name', 'CLI', '--json']);
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
    const first = JSON.parse(await runCli([...args, '--json']));
    expect(first).toMatchObject({ username: 'ops', role: 'owner', token: expect.stringMatching(/^sb_/) });
    expect(first.identities).toEqual({
      linked: [
        { namespace: 'auth', identifier: first.userId, status: 'linked' },
        { namespace: 'email', identifier: 'ops@acme.test', status: 'linked' },
      ],
      failed: [],
    });
    // The operator makes only the first admin; later people come by invitation.
    await expect(runCli([...args.slice(0, 5), 'ops2', '--json'])).rejects.toThrow(/workspace_has_admin/);
    // ...and never adopts an existing user into another workspace.
    await runCli(['workspace', 'create', 'other-ws', '--json']);
    await expect(
      runCli(['admin', 'create', '--workspace', 'other-ws', '--username', 'ops', '--json']),
    ).rejects.toThrow(/username_taken/);
  });
});
