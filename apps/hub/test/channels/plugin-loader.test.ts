import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { API_VERSION, InvalidPluginError } from '@switchboard/core';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { signHubSignature256 } from '@switchboard/signing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredPluginNames, DEFAULT_PLUGINS, loadChannelRegistry } from '../../src/channels/registry.js';
import { runDoctor } from '../../src/cli/commands/doctor.js';
import { readHubEnv } from '../../src/config/env.js';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';

const HELLO_FIXTURE = resolve(import.meta.dirname, '../fixtures/plugin-hello');

/** A deployment directory with packages in its node_modules, as `npm install` leaves it. */
async function deployment(packages: Record<string, { link?: string; files?: Record<string, string> }>) {
  const dir = await mkdtemp(join(tmpdir(), 'sb-plugins-'));
  for (const [name, pkg] of Object.entries(packages)) {
    const target = join(dir, 'node_modules', name);
    await mkdir(join(target, '..'), { recursive: true });
    // `npm install <folder>` links the folder in exactly like this.
    if (pkg.link) await symlink(pkg.link, target, 'dir');
    else {
      await mkdir(target);
      for (const [file, text] of Object.entries(pkg.files ?? {})) await writeFile(join(target, file), text);
    }
  }
  return dir;
}

const manifest = (name: string) =>
  JSON.stringify({ name, version: '1.0.0', type: 'module', exports: { '.': { import: './index.js' } } });

describe('plugin configuration', () => {
  it('the fixture adapter is, verbatim, the example of the README section "Writing an adapter"', async () => {
    const readme = await readFile(resolve(import.meta.dirname, '../../../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Writing an adapter'));
    for (const file of ['package.json', 'index.js']) {
      const text = await readFile(join(HELLO_FIXTURE, file), 'utf8');
      expect(section, file).toContain(text);
      expect(text.split('\n').length, file).toBeLessThan(100);
    }
  });

  it('serves the first-party adapters when SWITCHBOARD_PLUGINS is unset or blank', async () => {
    expect(configuredPluginNames({})).toEqual(DEFAULT_PLUGINS);
    expect(configuredPluginNames({ SWITCHBOARD_PLUGINS: ' , ' })).toEqual(DEFAULT_PLUGINS);
    expect(configuredPluginNames({ SWITCHBOARD_PLUGINS: 'a, b c,a' })).toEqual(['a', 'b', 'c']);
    const registry = await loadChannelRegistry({ env: {} });
    expect(registry.types().sort()).toEqual(['feishu', 'slack', 'whatsapp']);
  });

  it('the production hub does not ship the test channel: testkit is a dev dependency only', async () => {
    const manifest = JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).not.toContain('@switchboard/testkit');
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(manifest.devDependencies['@switchboard/testkit']).toBeDefined();
  });

  describe('refuses a package that is not a plugin, with its name in the error', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await deployment({
        'no-default': {
          files: { 'package.json': manifest('no-default'), 'index.js': 'export const x = 1;\n' },
        },
        'future-api': {
          files: {
            'package.json': manifest('future-api'),
            'index.js': `export default { apiVersion: ${API_VERSION + 1}, factories: [] };\n`,
          },
        },
        'bad-factory': {
          files: {
            'package.json': manifest('bad-factory'),
            'index.js': `export default { apiVersion: ${API_VERSION}, factories: [{ type: 'Bad Type' }] };\n`,
          },
        },
        'twice-slack': {
          files: {
            'package.json': manifest('twice-slack'),
            'index.js': `export default { apiVersion: ${API_VERSION}, factories: [{ type: 'slack', configSchema: { safeParse() {} }, create() {} }] };\n`,
          },
        },
      });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const load = (names: string) =>
      loadChannelRegistry({ env: { SWITCHBOARD_PLUGINS: names }, installDir: dir }).catch((e: unknown) => e);

    it('no default export', async () => {
      const error = await load('no-default');
      expect(error).toBeInstanceOf(InvalidPluginError);
      expect((error as Error).message).toMatch(/plugin "no-default".*no default export.*definePlugin/);
    });

    it('another plugin API version', async () => {
      const error = await load('future-api');
      expect(error).toBeInstanceOf(InvalidPluginError);
      expect((error as Error).message).toContain(
        `targets plugin API version ${API_VERSION + 1}; this hub supports version ${API_VERSION}`,
      );
    });

    it('a malformed factory', async () => {
      const error = (await load('bad-factory')) as InvalidPluginError;
      expect(error.problems).toEqual([
        'factory[0].type must be a lower-case name like "acme-chat"',
        'factory "Bad Type": configSchema must be a zod schema',
        'factory "Bad Type": create must be a function',
      ]);
    });

    it('a package that is not installed', async () => {
      const error = await load('switchboard-plugin-nowhere');
      expect(error).toBeInstanceOf(InvalidPluginError);
      expect((error as Error).message).toMatch(
        /plugin "switchboard-plugin-nowhere" cannot be loaded: it could not be imported/,
      );
    });

    it('doctor reports it as a failed check instead of crashing', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'sb-doctor-'));
      try {
        const checks = await runDoctor({
          env: readHubEnv({ SWITCHBOARD_PLUGINS: 'future-api' }),
          dataDir,
          logger: pino({ level: 'silent' }),
        });
        expect(checks.find((check) => check.name === 'channel types')).toMatchObject({
          ok: false,
          detail: expect.stringContaining('plugin "future-api" cannot be loaded'),
          fix: expect.stringContaining('SWITCHBOARD_PLUGINS'),
        });
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });

    it('two plugins claiming one channel type', async () => {
      const error = await load('@switchboard/slack,twice-slack');
      expect((error as Error).message).toBe(
        'type "slack" is registered by both "@switchboard/slack" and "twice-slack"; name each plugin once',
      );
    });
  });
});

describe.each(testDatabaseKinds())('an adapter installed outside the workspace [%s]', (kind) => {
  const SECRET = 'hello-signing-secret-0001';
  let dir: string;
  let hub: HubFixture;
  let agent: FakeAgent;
  let installationId: string;

  beforeAll(async () => {
    dir = await deployment({ 'switchboard-plugin-hello': { link: HELLO_FIXTURE } });
    // Named in the configuration only: neither the hub nor this test imports the package.
    const registry = await loadChannelRegistry({
      env: { SWITCHBOARD_PLUGINS: '@switchboard/slack,switchboard-plugin-hello' },
      installDir: dir,
    });
    hub = await startHubFixture(kind, { registry });
    agent = await startFakeAgent();
    const admin = await hub.seedWorkspace('plugins');
    const agentId = (
      await hub.request('POST', '/api/v1/workspaces/plugins/agents', {
        token: admin.token,
        body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
      })
    ).body.id;
    const installed = await hub.request('POST', '/api/v1/workspaces/plugins/installations', {
      token: admin.token,
      body: { agentId, channelType: 'hello', config: { signing_secret: SECRET } },
    });
    expect(installed.status).toBe(201);
    expect(JSON.stringify(installed.body)).not.toContain(SECRET);
    installationId = installed.body.id;
    await hub.runtime.stores.bindings.bind({
      installationId,
      channelType: 'hello',
      channelUserId: 'hello-user-1',
      userId: admin.userId,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (body: string, signature: string) =>
    hub.request('POST', `/hooks/${installationId}`, {
      raw: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    });

  it('records a signed event, delivers it to the agent once, and refuses a forged one', async () => {
    const body = JSON.stringify({
      id: 'hello-evt-1',
      chat: 'c1',
      from: { id: 'hello-user-1' },
      text: 'hi there',
    });
    expect((await post(body, signHubSignature256(SECRET, body))).status).toBe(200);
    // A redelivery of the same delivery id is acknowledged and dropped.
    expect((await post(body, signHubSignature256(SECRET, body))).status).toBe(200);
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.text === 'hi there'),
    );
    expect(delivery.signatureValid).toBe(true);
    expect(delivery.body.message.source).toMatchObject({ channelType: 'hello', chatId: 'c1' });

    const forged = await post(body.replace('hi there', 'hi thera'), signHubSignature256(SECRET, body));
    expect(forged.status).toBe(401);
    await new Promise((resolveWait) => setTimeout(resolveWait, 300));
    expect(agent.deliveries.filter((d) => d.body.message?.text === 'hi there')).toHaveLength(1);
  });

  it('is listed in GET /api/v1/channel-types with its secret marked write-only', async () => {
    const { token } = await hub.seedWorkspace('types');
    const res = await hub.request('GET', '/api/v1/channel-types', { token });
    expect(res.status).toBe(200);
    const hello = res.body.items.find((item: { type: string }) => item.type === 'hello');
    expect(hello).toMatchObject({ displayName: 'Hello Chat', capabilities: ['text', 'webhook'] });
    expect(hello.configSchema.properties.signing_secret).toMatchObject({ type: 'string', writeOnly: true });
    expect(hello.configSchema.properties.api_base_url.writeOnly).toBeUndefined();
  });
});
