import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecretKey } from '@switchboard/db';
import { createPostgresDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

/** Runs one command in this process (no hub running: it serves the API in-process) and returns stdout. */
async function run(args: string[]): Promise<string> {
  const printed: string[] = [];
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'switchboard', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return printed.join('');
}

/** `--json` output is exactly one JSON document. */
async function json(args: string[]): Promise<any> {
  return JSON.parse(await run([...args, '--json']));
}

describe.each(testDatabaseKinds())('CLI commands as a client of the admin API [%s]', (kind) => {
  let dataDir: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-cli-commands-'));
    process.env.SWITCHBOARD_DATA_DIR = dataDir;
    process.env.LOG_LEVEL = 'error';
    // The in-process hub serves the test channel and may reach this machine's agents.
    process.env.SWITCHBOARD_PLUGINS = '@switchboard/slack,@switchboard/testkit/plugin';
    process.env.SWITCHBOARD_EGRESS_ALLOW = '127.0.0.1,::1,localhost';
    for (const key of ['DATABASE_URL', 'SWITCHBOARD_SECRET_KEY', 'SWITCHBOARD_TOKEN', 'SWITCHBOARD_URL']) {
      delete process.env[key];
    }
    if (kind === 'postgres') {
      const created = await createPostgresDatabase('sb_cli_commands');
      dropDatabase = created.drop;
      process.env.DATABASE_URL = created.url;
      process.env.SWITCHBOARD_SECRET_KEY = generateSecretKey();
    }
  });
  afterAll(async () => {
    process.env = saved;
    await dropDatabase?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the workspace, member, agent, installation, audit and dead-letter commands', {
    timeout: 180_000,
  }, async () => {
    await json(['workspace', 'create', 'cmds', '--name', 'Commands']);
    const admin = await json(['admin', 'create', '-w', 'cmds', '--username', 'boss']);
    // Workspace commands refuse the operator credential with a way out.
    await expect(run(['agent', 'list'])).rejects.toThrow(/SWITCHBOARD_TOKEN/);
    process.env.SWITCHBOARD_TOKEN = admin.token;

    // The token reaches one workspace: --workspace may be left out.
    expect((await json(['workspace', 'list'])).items.map((w: { slug: string }) => w.slug)).toEqual(['cmds']);

    const invited = await json(['member', 'invite', 'carol@acme.test', '--role', 'member']);
    expect(JSON.stringify(invited)).toContain('carol');
    const members = await json(['member', 'list']);
    expect(members.items.map((m: { username: string }) => m.username)).toEqual(
      expect.arrayContaining(['boss']),
    );
    if (members.items.some((m: { email: string | null }) => m.email === 'carol@acme.test')) {
      const removed = await json(['member', 'remove', 'carol@acme.test']);
      expect(removed).toMatchObject({ removed: true });
    }

    const agent = await json(['agent', 'create', '--name', 'bot', '--delivery-url', 'http://127.0.0.1:9/in']);
    expect(agent.deliverySecret).toEqual(expect.any(String));
    const rotated = await json(['agent', 'rotate-secret', 'bot']);
    expect(rotated.deliverySecret).not.toBe(agent.deliverySecret);
    expect((await json(['agent', 'list'])).items).toEqual([expect.objectContaining({ name: 'bot' })]);

    const file = join(dataDir, 'echo.json');
    await writeFile(file, JSON.stringify({ signing_secret: 'from-a-file-123', bot_user_id: 'B1' }));
    const installation = await json([
      'installation',
      'create',
      '--agent',
      'bot',
      '--type',
      'echo',
      '--from-file',
      file,
      '--set',
      'bot_user_id=B2',
      '--set',
      'group_policy=disabled',
    ]);
    expect(installation.config).toMatchObject({ bot_user_id: 'B2', group_policy: 'disabled' });
    expect(installation.secretsSet).toEqual(['signing_secret']);
    const updated = await json(['installation', 'update', installation.id, '--set', 'bot_user_id=B3']);
    expect(updated.config.bot_user_id).toBe('B3');
    expect((await json(['installation', 'show', installation.id])).runtime).toBeDefined();
    expect((await json(['installation', 'status', installation.id])).runtime.inboxBacklog).toBe(0);
    expect((await json(['installation', 'list'])).items).toHaveLength(1);
    await expect(
      run(['installation', 'create', '--agent', 'bot', '--type', 'echo', '--set', 'signingsecret=abcdefgh']),
    ).rejects.toThrow(/did you mean signing_secret\?/);
    expect((await json(['installation', 'revoke', installation.id])).status).toBe('revoked');

    expect(await json(['audit', 'tail', '-n', '5'])).toEqual({ items: [] });
    expect(await json(['dead-letters', 'list'])).toEqual({ items: [] });
    await expect(run(['dead-letters', 'retry', '00000000-0000-4000-8000-000000000000'])).rejects.toThrow(
      /404 not_found/,
    );

    // Tokens (the tenancy contract): issued once, listed without their value, revoked.
    const issued = await json(['token', 'create', '--name', 'ci', '--expires-in-days', '7']);
    expect(issued.token).toMatch(/^sb_/);
    const tokens = await json(['token', 'list']);
    expect(tokens.items.map((t: { name: string }) => t.name)).toContain('ci');
    expect(JSON.stringify(tokens)).not.toContain(issued.token);
    await json(['token', 'revoke', issued.id]);
    process.env.SWITCHBOARD_TOKEN = issued.token;
    await expect(run(['agent', 'list'])).rejects.toThrow(/401/);
    process.env.SWITCHBOARD_TOKEN = admin.token;

    // A human table on stdout without --json.
    expect(await run(['agent', 'list'])).toMatch(/^NAME\s+DELIVERYURL/);
  });
});
