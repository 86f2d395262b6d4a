import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecretKey } from '@switchboard/db';
import { createPostgresDatabase, testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startHubProcess } from '../support/hub-process.js';

describe.each(testDatabaseKinds())('switchboard CLI [%s]', (kind) => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-cli-'));
    env = { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    delete env.SWITCHBOARD_SECRET_KEY;
    if (kind === 'postgres') {
      const created = await createPostgresDatabase('sb_cli');
      dropDatabase = created.drop;
      env.DATABASE_URL = created.url;
      env.SWITCHBOARD_SECRET_KEY = generateSecretKey();
    }
  });
  afterAll(async () => {
    await dropDatabase?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('migrates, creates a workspace and an admin, passes doctor, and serves the API with the token', {
    timeout: 240_000,
  }, async () => {
    const before = await runCli(['db', 'status'], env);
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)).toMatchObject({ upToDate: false });

    const migrate = await runCli(['db', 'migrate'], env);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('applied');
    const after = await runCli(['db', 'status'], env);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ upToDate: true, pending: [] });

    const ws = await runCli(['workspace', 'create', 'acme', '--name', 'Acme Inc', '--json'], env);
    expect(ws.code, ws.stderr).toBe(0);
    expect(JSON.parse(ws.stdout)).toMatchObject({ slug: 'acme', name: 'Acme Inc' });
    const duplicate = await runCli(['workspace', 'create', 'acme'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');

    const admin = await runCli(
      ['admin', 'create', '--workspace', 'acme', '--username', 'ops', '--email', 'ops@acme.test', '--json'],
      env,
    );
    expect(admin.code, admin.stderr).toBe(0);
    const { token } = JSON.parse(admin.stdout) as { token: string };
    expect(token).toMatch(/^sb_/);

    const doctor = await runCli(['doctor', '--json'], env);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    const checks = JSON.parse(doctor.stdout) as Array<{ name: string; ok: boolean }>;
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['secret key', 'channel types', 'database', 'migrations', 'installations']),
    );
    expect(checks.every((c) => c.ok)).toBe(true);

    const { child, url } = await startHubProcess(['--port', '0'], env);
    try {
      const res = await fetch(`${url}/api/v1/workspaces/acme`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ slug: 'acme' });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      // While the hub runs, commands go through its API (the operator credential it wrote).
      const listed = await runCli(['workspace', 'list', '--json'], env);
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout).items.map((w: { slug: string }) => w.slug)).toEqual(['acme']);
      const second = await runCli(['workspace', 'create', 'beta', '--json'], {
        ...env,
        SWITCHBOARD_TOKEN: token,
      });
      expect(second.code, second.stderr).toBe(0);
      const doctorLive = await runCli(['doctor', '--json'], env);
      expect(doctorLive.code, doctorLive.stdout + doctorLive.stderr).toBe(0);
      expect(() => JSON.parse(doctorLive.stdout)).not.toThrow();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('doctor fails with a fix hint when the database is not migrated', { timeout: 120_000 }, async () => {
    if (kind === 'pglite') {
      const emptyDir = await mkdtemp(join(tmpdir(), 'sb-cli-empty-'));
      try {
        const doctor = await runCli(['doctor'], { ...env, SWITCHBOARD_DATA_DIR: emptyDir });
        expect(doctor.code).toBe(1);
        expect(doctor.stdout).toMatch(/FAIL\s+secret key/);
        expect(doctor.stdout).toMatch(/FAIL\s+database: no embedded database/);
        expect(doctor.stdout).toContain('switchboard start');
        // Read-only: it created nothing, not even the database folder.
        expect(await readdir(emptyDir)).toEqual([]);
        const missing = join(emptyDir, 'never-made');
        const absent = await runCli(['doctor', '--json'], { ...env, SWITCHBOARD_DATA_DIR: missing });
        expect(JSON.parse(absent.stdout)).toEqual(
          expect.arrayContaining([expect.objectContaining({ name: 'database', ok: false })]),
        );
        await expect(readdir(missing)).rejects.toThrow();
      } finally {
        await rm(emptyDir, { recursive: true, force: true });
      }
    } else {
      const empty = await createPostgresDatabase('sb_cli_empty');
      try {
        const doctor = await runCli(['doctor'], { ...env, DATABASE_URL: empty.url });
        expect(doctor.code).toBe(1);
        expect(doctor.stdout).toMatch(/FAIL\s+migrations/);

        // A missing database and an unreachable server are told apart, each with its fix.
        const missingDb = new URL(empty.url);
        missingDb.pathname = '/sb_cli_no_such_database';
        const missing = await runCli(['doctor'], { ...env, DATABASE_URL: missingDb.toString() });
        expect(missing.stdout).toContain('database "sb_cli_no_such_database" does not exist');
        expect(missing.stdout).toContain('createdb');
        const unreachable = new URL(empty.url);
        unreachable.port = '1';
        const down = await runCli(['doctor'], { ...env, DATABASE_URL: unreachable.toString() });
        expect(down.stdout).toContain('cannot reach PostgreSQL at');
        expect(down.stdout).toContain('start PostgreSQL');
      } finally {
        await empty.drop();
      }
    }
  });
});
