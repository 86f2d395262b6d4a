import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

async function run(args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => out.push(String(c)) > 0);
  const stderr = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => err.push(String(c)) > 0);
  try {
    await buildProgram().parseAsync(['node', 'switchboard', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return { out: out.join(''), err: err.join('') };
}

describe('switchboard login-link', () => {
  let dataDir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-login-link-'));
    process.env.SWITCHBOARD_DATA_DIR = dataDir;
    process.env.LOG_LEVEL = 'error';
    process.env.SWITCHBOARD_PUBLIC_URL = 'https://hub.example';
    process.env.SWITCHBOARD_PLUGINS = '@switchboard/testkit/plugin';
    for (const key of ['DATABASE_URL', 'SWITCHBOARD_SECRET_KEY', 'SWITCHBOARD_TOKEN', 'SWITCHBOARD_URL']) {
      delete process.env[key];
    }
    await run(['workspace', 'create', 'acme', '--json']);
    await run(['admin', 'create', '--workspace', 'acme', '--username', 'alice', '--json']);
  }, 180_000);
  afterAll(async () => {
    process.env = saved;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a one-time console sign-in link on the hub’s public URL', { timeout: 120_000 }, async () => {
    const { out } = await run(['login-link', '--user', 'alice', '--json']);
    const link = JSON.parse(out) as { username: string; url: string; expiresAt: string };
    expect(link.username).toBe('alice');
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://hub.example/console/sign-in/link');
    expect(url.searchParams.get('token')).toMatch(/^sbl_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now());

    const human = await run(['login-link', '--user', 'alice']);
    expect(human.out).toMatch(/\nhttps:\/\/hub\.example\/console\/sign-in\/link\?token=sbl_/);
    expect(human.err).toContain('it works once');
  });

  it('names an unknown user', { timeout: 120_000 }, async () => {
    await expect(run(['login-link', '--user', 'nobody'])).rejects.toThrow(/user not found|404/);
  });
});
