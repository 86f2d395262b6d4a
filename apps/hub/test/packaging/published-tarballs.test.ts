import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
/** What an adapter author installs, in dependency order. */
const PACKAGES = ['core', 'signing', 'slack'];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/** `tsc -p tsconfig.build.json` unless dist/ is already newer than every source (tsc is the slow part). */
async function buildIfStale(dir: string): Promise<void> {
  const built = await stat(join(dir, 'dist/index.js')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newestMtime(join(dir, 'src')),
    (await stat(join(dir, 'tsconfig.build.json'))).mtimeMs,
  );
  if (built <= sources) await run(TSC, ['-p', join(dir, 'tsconfig.build.json')]);
}

// What a project outside the monorepo sees: it installs the tarballs `pnpm pack` makes and
// imports them with plain node, with no TypeScript loader and no `source` condition.
describe('published tarballs', () => {
  let work: string;
  let consumer: string;
  const tarballs: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sb-pack-'));
    const dir = (name: string) => join(ROOT, 'packages', name);
    // Slack compiles against the other two's declarations.
    await Promise.all([buildIfStale(dir('core')), buildIfStale(dir('signing'))]);
    await buildIfStale(dir('slack'));
    await Promise.all(
      PACKAGES.map((name) =>
        run('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', work], { cwd: dir(name) }),
      ),
    );
    tarballs.push(...(await readdir(work)).filter((file) => file.endsWith('.tgz')).map((f) => join(work, f)));
    consumer = join(work, 'consumer');
    await run('mkdir', [consumer]);
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
    // From the tarballs; their third-party dependencies come from the npm cache where it has them.
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        ...tarballs,
      ],
      { cwd: consumer },
    );
  }, 120_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ship dist and a README, never the TypeScript sources', async () => {
    expect(tarballs.map((file) => file.slice(work.length + 1)).sort()).toEqual([
      'switchboard-core-0.1.0.tgz',
      'switchboard-signing-0.1.0.tgz',
      'switchboard-slack-0.1.0.tgz',
    ]);
    for (const name of PACKAGES) {
      const dir = join(consumer, 'node_modules/@switchboard', name);
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
      expect(manifest.license).toBe('MIT');
      expect(manifest.private).toBeUndefined();
      expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
      expect(manifest.dependencies?.['@switchboard/core'] ?? '0.1.0').toBe('0.1.0');
      expect((await readdir(dir)).sort()).toEqual(['README.md', 'dist', 'package.json']);
    }
  });

  it('import with plain node: the Slack plugin verifies a request signed with the signing helpers', async () => {
    const script = `
      import { API_VERSION, checkPlugin, secretKeys } from '@switchboard/core';
      import { signTimestamped, slackScheme } from '@switchboard/signing';
      import slack from '@switchboard/slack';
      const plugin = checkPlugin(slack, '@switchboard/slack');
      const [factory] = plugin.factories;
      const logger = { child: () => logger, debug() {}, info() {}, warn() {}, error() {} };
      const channel = factory.create(
        factory.configSchema.parse({ bot_token: 'xoxb-1', signing_secret: 'slack-signing-secret-1', app_id: 'A1', bot_user_id: 'U1', team_id: 'T1' }),
        { installationId: 'i-1', logger },
      );
      const rawBody = new TextEncoder().encode('{"type":"url_verification","challenge":"c"}');
      const { timestamp, signature } = signTimestamped('slack-signing-secret-1', slackScheme, 1700000000, rawBody);
      const req = { method: 'POST', path: '/', query: {}, rawBody, receivedAt: new Date(1700000000 * 1000),
        headers: { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature } };
      console.log(JSON.stringify({
        apiVersion: plugin.apiVersion === API_VERSION,
        types: plugin.factories.map((f) => f.type),
        secrets: secretKeys(factory.configSchema).sort(),
        verified: channel.webhook.verify(req),
        forged: channel.webhook.verify({ ...req, rawBody: new Uint8Array([1]) }).ok,
      }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumer,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(JSON.parse(stdout)).toEqual({
      apiVersion: true,
      types: ['slack'],
      secrets: ['app_token', 'bot_token', 'signing_secret'],
      verified: { ok: true },
      forged: false,
    });
  });

  it('carry type declarations a strict TypeScript project compiles against', async () => {
    await writeFile(
      join(consumer, 'adapter.ts'),
      `import { type ChannelPlugin, definePlugin } from '@switchboard/core';
import { verifyHubSignature256 } from '@switchboard/signing';
import slack from '@switchboard/slack';
const mine: ChannelPlugin = definePlugin({ factories: [...slack.factories] });
const ok: boolean = verifyHubSignature256('s', 'sha256=00', new Uint8Array()).ok;
export { mine, ok };
`,
    );
    await run(
      TSC,
      [
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        'adapter.ts',
      ],
      { cwd: consumer },
    );
  });
});
