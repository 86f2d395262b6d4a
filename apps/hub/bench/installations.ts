// Many-installations benchmark: one hub on PostgreSQL holding 10,000 webhook installations.
// Reports how long the hub takes to start, what an idle installation costs in memory, and what
// routing a webhook to one of many installations costs against routing to one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyMigrations, createStores, openDatabase, SecretBox } from '@switchboard/db';
import { startFakeSlack } from '@switchboard/testkit/fakes/slack';
import autocannon from 'autocannon';
import { type Child, spawnNode, stop } from './lib/children.js';
import { startCountingAgent } from './lib/counting-agent.js';
import { postgresCpuSeconds, processCpuSeconds } from './lib/cpu.js';
import { benchHubEnv } from './lib/hub-env.js';
import { HUB_DIR } from './lib/measure.js';
import { seedBenchDatabase } from './lib/seed.js';
import { APP, BOT_USER, SIGNING_SECRET, slackEventBody, slackHeaders, TEAM } from './lib/slack-events.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    installations: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    /** Write CPU profiles of the many-installations hub into this directory. */
    'cpu-prof': { type: 'string' },
  },
});
const total = Number(values.installations);
const duration = Number(values.duration);
const connections = Number(values.connections);
process.env.SWITCHBOARD_TEST_POSTGRES_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const agent = await startCountingAgent();
const slack = await startFakeSlack();
const db = await seedBenchDatabase(agent, slack.url);
const dataDir = await mkdtemp(join(tmpdir(), 'sb-bench-installations-'));
const env = benchHubEnv(db, { SWITCHBOARD_DATA_DIR: dataDir, LOG_FORMAT: 'json' });

/** Installations in the seeded workspace, each with its own agent and Slack app, all in one team. */
async function seedInstallations(count: number): Promise<string[]> {
  const database = await openDatabase({ url: db.url });
  await applyMigrations({ adapterFactory: database.adapterFactory });
  const stores = createStores(database.prisma, SecretBox.fromSpec(db.secretKey));
  const seeded = await stores.installations.getWithSecrets(db.installationId);
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      // One installation per agent and channel type: each gets its own agent, as tenants would.
      const { id: agentId } = await stores.agents.create({
        workspaceId: seeded.workspaceId,
        name: `agent-${n}`,
        deliveryUrl: agent.url,
        deliverySecret: agent.secret,
      });
      const created = await stores.installations.create({
        workspaceId: seeded.workspaceId,
        agentId,
        channelType: 'slack',
        config: { app_id: `A0MANY${n}`, team_id: TEAM, bot_user_id: BOT_USER, api_base_url: slack.url },
        secrets: { signing_secret: SIGNING_SECRET, bot_token: 'xoxb-seeded' },
      });
      ids.push(created.id);
      if (ids.length % 2_000 === 0) log(`seeded ${ids.length} / ${count} installations`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await database.close();
  return ids;
}

async function startHub(profile = false): Promise<{ child: Child; startSec: number }> {
  const t0 = performance.now();
  const profiling =
    profile && values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  const child = await spawnNode(
    [...profiling, `${HUB_DIR}bin/switchboard.mjs`, 'start'],
    /"url":"(http:\/\/[^"]+)"/,
    env,
    HUB_DIR,
  );
  return { child, startSec: (performance.now() - t0) / 1000 };
}

/** CPU % of one core used by the hub and by PostgreSQL over `ms`. */
async function cpuOver(pid: number | undefined, ms: number): Promise<{ hub: number; pg: number }> {
  const [hub0, pg0] = [await processCpuSeconds(pid), await postgresCpuSeconds()];
  await new Promise((resolve) => setTimeout(resolve, ms));
  const [hub1, pg1] = [await processCpuSeconds(pid), await postgresCpuSeconds()];
  return { hub: ((hub1 - hub0) * 100_000) / ms, pg: ((pg1 - pg0) * 100_000) / ms };
}

async function rssMb(pid: number | undefined): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

/** Load spread over `targets` installations (each event signed for its app), or one. */
async function load(base: string, targets: string[], prefix: string) {
  let n = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const i = n++;
          const target = targets[i % targets.length] as string;
          const app = target === db.installationId ? APP : `A0MANY${targetIndex.get(target)}`;
          const body = slackEventBody(prefix, i, 256).replace(
            `"api_app_id":"${APP}"`,
            `"api_app_id":"${app}"`,
          );
          return { ...request, path: `/hooks/${target}`, body, headers: slackHeaders(SIGNING_SECRET, body) };
        },
      },
    ],
  });
  return result;
}

const targetIndex = new Map<string, number>();
const children: Child[] = [];
try {
  log('baseline: a hub with one installation');
  const baseline = await startHub();
  children.push(baseline.child);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const baselineRss = await rssMb(baseline.child.process.pid);
  await stop(baseline.child.process);

  log(`seeding ${total} installations`);
  const seedStart = performance.now();
  const ids = await seedInstallations(total);
  for (const [i, id] of ids.entries()) targetIndex.set(id, i);
  const seedSec = (performance.now() - seedStart) / 1000;

  const many = await startHub(true);
  children.push(many.child);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleRss = await rssMb(many.child.process.pid);
  // What an idle hub spends on its installations (the supervisor's scan), before any load.
  const idleCpu = await cpuOver(many.child.process.pid, 5_000);
  log(`load on one installation, ${duration} s`);
  const one = await load(many.child.ready, [db.installationId], 'I1x');
  log(`load spread over all ${total} installations, ${duration} s`);
  const spread = await load(many.child.ready, ids, 'INx');
  const touchedRss = await rssMb(many.child.process.pid);
  const touched = Math.min(total, spread.requests.total);
  await stop(many.child.process);

  console.log(
    `\n${total} webhook installations on one hub (PostgreSQL), ${connections} connections, ${duration} s per load`,
  );
  console.log(
    `  seeding                 ${seedSec.toFixed(1)} s (through the installation store, secrets sealed)`,
  );
  console.log(
    `  startup, 1 installation ${baseline.startSec.toFixed(1)} s   RSS ${baselineRss.toFixed(0)} MB`,
  );
  console.log(`  startup, ${total}     ${many.startSec.toFixed(1)} s   RSS ${idleRss.toFixed(0)} MB idle`);
  console.log(
    `  idle CPU                hub ${idleCpu.hub.toFixed(0)} %, PostgreSQL ${idleCpu.pg.toFixed(0)} % of a core (no load)`,
  );
  const perIdleKb = ((idleRss - baselineRss) * 1024) / total;
  console.log(
    `  idle installation       ${perIdleKb.toFixed(1)} KB each (target < 50 KB; nothing is loaded until an event arrives)`,
  );
  const perTouchedKb = ((touchedRss - idleRss) * 1024) / Math.max(1, touched);
  console.log(
    `  after events to ${touched}  RSS ${touchedRss.toFixed(0)} MB, ${perTouchedKb.toFixed(1)} KB per installation touched (channel cache)`,
  );
  console.log(
    `  one installation        ${one.requests.average.toFixed(0)} req/s  p99 ${one.latency.p99} ms  non-2xx ${one.non2xx}`,
  );
  console.log(
    `  spread over ${total}    ${spread.requests.average.toFixed(0)} req/s  p99 ${spread.latency.p99} ms  non-2xx ${spread.non2xx}` +
      `  (${(spread.requests.average / one.requests.average).toFixed(2)}x: the cost of looking up and starting a cold installation)`,
  );
} finally {
  for (const child of children) await stop(child.process);
  await agent.close();
  await slack.close();
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
}
