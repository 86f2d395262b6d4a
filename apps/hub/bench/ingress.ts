// Ingress benchmark: the hub (PostgreSQL, ack after commit) against a minimal @slack/bolt app,
// same load, same run, each server in its own process. See README.md in this directory.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { type Child, peakRssMb, spawnNode, stop } from './lib/children.js';
import { startCountingAgent } from './lib/counting-agent.js';
import { machineBusySeconds, postgresCpuSeconds, processCpuSeconds } from './lib/cpu.js';
import { FS_APP_ID, FS_APP_SECRET, FS_BOT, FS_TENANT } from './lib/feishu-events.js';
import { percentile, pushFeishuEvents } from './lib/feishu-run.js';
import { benchHubEnv } from './lib/hub-env.js';
import { BENCH_DIR, checkIntegrity, HUB_DIR, runLoad, waitFor } from './lib/measure.js';
import { readOptions } from './lib/options.js';
import { type FeishuRun, printFeishuRun, printReport, type ServerRun, type WorkerRun } from './lib/report.js';
import { seedBenchDatabase } from './lib/seed.js';
import { SIGNING_SECRET } from './lib/slack-events.js';
import { WA_APP_ID, WA_APP_SECRET, WA_BATCH } from './lib/whatsapp-events.js';

const options = readOptions(
  process.argv.slice(2).filter((arg) => arg !== '--'),
  process.env,
);
// The database helper reads the admin URL from here; default to the local trust-auth server.
process.env.SWITCHBOARD_TEST_POSTGRES_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

const HUB_LISTENING = /"url":"(http:\/\/[^"]+)"/;
const agent = await startCountingAgent();
const slack = await startFakeSlack();
const db = await seedBenchDatabase(agent, slack.url);
const dataDir = await mkdtemp(join(tmpdir(), 'sb-bench-'));
const hubEnv = benchHubEnv(db, { SWITCHBOARD_DATA_DIR: dataDir });
const children: Child[] = [];
// V8 CPU profiles of both hub processes (file names carry the pid), written when they exit.
const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Warm-up (fixed count), then the timed run; for hubs, acked vs recorded for both. */
async function measure(
  name: string,
  child: Child,
  url: string,
  checkRows: boolean,
  hooks: LoadHooks = {},
  platform: PlatformLoad = { platform: 'slack', secret: SIGNING_SECRET, eventsPerRequest: 1 },
): Promise<ServerRun> {
  const pid = child.process.pid;
  const perRequest = platform.eventsPerRequest;
  const spec = {
    platform: platform.platform,
    url,
    secret: platform.secret,
    connections: options.connections,
    conversations: options.conversations,
    duration: options.duration,
  };
  const rows0 = checkRows ? await db.inboxRows() : 0;
  log(`${name}: warm-up, ${options.warmup} requests`);
  const warmup = await runLoad({ ...spec, prefix: `${name}W`, amount: options.warmup });
  const rows1 = checkRows ? await db.inboxRows() : 0;
  log(`${name}: ${options.duration} s at ${options.connections} connections`);
  let cpu0 = { at: 0, server: 0, postgres: 0, machine: 0 };
  const load = await runLoad({ ...spec, prefix: `${name}L` }, () => {
    hooks.onStart?.();
    void Promise.all([processCpuSeconds(pid), postgresCpuSeconds(), machineBusySeconds()]).then(
      ([server, postgres, machine]) => {
        cpu0 = { at: performance.now(), server, postgres, machine };
      },
    );
  });
  hooks.onEnd?.();
  const [server1, postgres1, machine1] = await Promise.all([
    processCpuSeconds(pid),
    postgresCpuSeconds(),
    machineBusySeconds(),
  ]);
  const seconds = (performance.now() - cpu0.at) / 1000;
  const rows2 = checkRows ? await db.inboxRows() : 0;
  await hooks.afterLoad?.();
  const run: ServerRun = {
    name,
    load,
    ...(perRequest > 1 ? { eventsPerRequest: perRequest } : {}),
    peakRssMb: await peakRssMb(pid),
    cpuPercent: {
      server: (100 * (server1 - cpu0.server)) / seconds,
      postgres: Math.max(0, (100 * (postgres1 - cpu0.postgres)) / seconds),
      loadGenerator: (100 * load.cpuSec) / load.durationSec,
      machine: (100 * (machine1 - cpu0.machine)) / seconds,
    },
  };
  if (checkRows) {
    run.integrity = {
      // autocannon waits for every answer of a fixed-count run, so this one must match exactly.
      // A batch is acknowledged whole: each 2xx stands for every event in it.
      warmup: checkIntegrity(warmup.ok2xx * perRequest, rows1 - rows0, 0),
      load: checkIntegrity(load.ok2xx * perRequest, rows2 - rows1, options.connections * perRequest),
    };
  }
  return run;
}

/** What the load generator sends: the platform, its signing secret, events per request. */
interface PlatformLoad {
  platform: 'slack' | 'whatsapp';
  secret: string;
  eventsPerRequest: number;
}

interface LoadHooks {
  onStart?(): void;
  onEnd?(): void;
  afterLoad?(): Promise<void>;
}

/**
 * The hub with its workers delivering to the agent: one `switchboard start` process (`all`), or
 * (`split`) an ingress process that records and a worker process that delivers, so delivery has
 * its own event loop. Load goes to the process that serves webhooks either way.
 */
async function hubWithWorkers(split: boolean): Promise<{ run: ServerRun; workers: WorkerRun }> {
  const name = split ? 'hub (ingress + worker)' : 'hub';
  const start = (role: string, env: NodeJS.ProcessEnv) =>
    spawnNode(
      [...profile, `${HUB_DIR}bin/switchboard.mjs`, 'start', '--role', role],
      HUB_LISTENING,
      env,
      HUB_DIR,
    );
  const child = await start(split ? 'ingress' : 'all', hubEnv);
  children.push(child);
  const worker = split
    ? await start('worker', { ...hubEnv, SWITCHBOARD_DATA_DIR: `${dataDir}-worker` })
    : undefined;
  if (worker) children.push(worker);
  let t0 = 0;
  let delivered0 = 0;
  let tEnd = 0;
  let deliveredEnd = 0;
  let workers: WorkerRun | undefined;
  const run = await measure(name, child, `${child.ready}/hooks/${db.installationId}`, true, {
    onStart: () => {
      t0 = performance.now();
      delivered0 = agent.distinct();
    },
    onEnd: () => {
      tEnd = performance.now();
      deliveredEnd = agent.distinct();
    },
    afterLoad: async () => {
      const total = await db.inboxRows();
      log(`${name}: waiting for the workers to deliver ${total - agent.distinct()} more events`);
      const drained = await waitFor(() => agent.distinct() >= total, options.drainTimeoutSec * 1000);
      const tDrained = drained ? agent.lastAt() : performance.now();
      workers = {
        duringLoadPerSec: (deliveredEnd - delivered0) / ((tEnd - t0) / 1000),
        backlogAtLoadEnd: total - deliveredEnd,
        drainSec: Math.max(0, tDrained - tEnd) / 1000,
        drainPerSec: (agent.distinct() - deliveredEnd) / (Math.max(1, tDrained - tEnd) / 1000),
        sustainedPerSec: (agent.distinct() - delivered0) / ((tDrained - t0) / 1000),
        drained,
        orderViolations: 0,
      };
    },
  });
  if (!workers) throw new Error('worker measurement missing');
  if (worker) run.workerPeakRssMb = await peakRssMb(worker.process.pid);
  if (options.outageSec > 0 && !split) {
    workers.outage = await agentOutage(`${child.ready}/hooks/${db.installationId}`);
  }
  workers.orderViolations = agent.orderViolations();
  await stop(child.process);
  if (worker) await stop(worker.process);
  // What the hub printed, for when its numbers need explaining.
  if (process.env.BENCH_HUB_LOG) await writeFile(process.env.BENCH_HUB_LOG, child.output());
  return { run, workers };
}

/**
 * The agent answers 503 for `outageSec` while a backlog of `outageEvents` arrives; then it is
 * back, and the clock runs until the whole backlog reached it (circuit probe, then the backlog is
 * due at once).
 */
async function agentOutage(url: string): Promise<NonNullable<WorkerRun['outage']>> {
  const before = agent.distinct();
  const requestsBefore = agent.requests();
  agent.setDown(true);
  const downAt = performance.now();
  log(`hub: agent down for ${options.outageSec} s, sending ${options.outageEvents} events`);
  await runLoad({
    url,
    secret: SIGNING_SECRET,
    connections: options.connections,
    conversations: options.conversations,
    duration: options.duration,
    prefix: 'hubO',
    amount: options.outageEvents,
  });
  const remaining = options.outageSec * 1000 - (performance.now() - downAt);
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  const requestsWhileDown = agent.requests() - requestsBefore;
  const total = await db.inboxRows();
  agent.setDown(false);
  const upAt = performance.now();
  log(`hub: agent back, waiting for ${total - agent.distinct()} events`);
  await waitFor(() => agent.distinct() > before, options.drainTimeoutSec * 1000);
  const firstAt = performance.now();
  const delivered = await waitFor(() => agent.distinct() >= total, options.drainTimeoutSec * 1000);
  return {
    outageSec: options.outageSec,
    backlog: options.outageEvents,
    delivered,
    firstDeliverySec: (firstAt - upAt) / 1000,
    backlogDeliveredSec: ((delivered ? agent.lastAt() : performance.now()) - upAt) / 1000,
    requestsWhileDown,
  };
}

async function hubIngressOnly(): Promise<ServerRun> {
  const child = await spawnNode(
    [...profile, '--conditions=source', '--import', 'tsx', `${BENCH_DIR}hub-ingress-only.ts`],
    HUB_LISTENING,
    hubEnv,
    HUB_DIR,
  );
  children.push(child);
  const run = await measure('hub (workers off)', child, `${child.ready}/hooks/${db.installationId}`, true);
  await stop(child.process);
  return run;
}

/**
 * The hub (workers on) taking WhatsApp webhook posts at the app route, `WA_BATCH` messages each,
 * signed as Meta signs them; reported per message, with the same acked-vs-recorded check.
 */
/** Each run after the workers-off one starts on an empty inbox, so its workers serve only its load. */
async function discardBacklog(name: string): Promise<void> {
  const discarded = await db.discardBacklog();
  if (discarded > 0) log(`${name}: marked ${discarded} undelivered events of earlier runs done`);
}

async function hubWhatsApp(): Promise<ServerRun> {
  await discardBacklog(`hub (whatsapp, ${WA_BATCH}/post)`);
  const child = await spawnNode(
    [...profile, `${HUB_DIR}bin/switchboard.mjs`, 'start', '--role', 'all'],
    HUB_LISTENING,
    hubEnv,
    HUB_DIR,
  );
  children.push(child);
  const run = await measure(
    `hub (whatsapp, ${WA_BATCH}/post)`,
    child,
    `${child.ready}/hooks/app/whatsapp/${WA_APP_ID}`,
    true,
    {},
    { platform: 'whatsapp', secret: WA_APP_SECRET, eventsPerRequest: WA_BATCH },
  );
  await stop(child.process);
  return run;
}

/**
 * The hub (workers on) with a Feishu installation on a long connection to the fake Feishu: the
 * fake pushes events as pbbp2 frames, the hub acks each after its inbox commit, the workers
 * deliver to the agent. Acked, recorded and delivered must agree (nothing acked may be lost).
 */
async function hubFeishu(): Promise<FeishuRun> {
  const name = 'hub (feishu long connection)';
  const feishu = await startFakeFeishu({
    appId: FS_APP_ID,
    appSecret: FS_APP_SECRET,
    tenantKey: FS_TENANT,
    botOpenId: FS_BOT,
  });
  try {
    await discardBacklog(name);
    await db.addFeishuInstallation(feishu.url);
    const child = await spawnNode(
      [...profile, `${HUB_DIR}bin/switchboard.mjs`, 'start', '--role', 'all'],
      HUB_LISTENING,
      hubEnv,
      HUB_DIR,
    );
    children.push(child);
    log(`${name}: waiting for the long connection`);
    if (!(await waitFor(() => feishu.connections() > 0, 60_000))) {
      throw new Error('the hub did not open the Feishu long connection');
    }
    const push = (prefix: string, count: number) =>
      pushFeishuEvents(feishu, {
        prefix,
        count,
        window: options.connections,
        conversations: options.conversations,
      });
    const warmupCount = Math.min(500, options.warmup);
    const rows0 = await db.inboxRows();
    log(`${name}: warm-up, ${warmupCount} events`);
    const warm = await push('fsW', warmupCount);
    const rows1 = await db.inboxRows();
    log(`${name}: ${options.feishuEvents} events`);
    const cpu0 = await processCpuSeconds(child.process.pid);
    const t0 = performance.now();
    const pushed = await push('fsL', options.feishuEvents);
    const cpuSeconds = (await processCpuSeconds(child.process.pid)) - cpu0;
    const rows2 = await db.inboxRows();
    log(`${name}: waiting for the workers to deliver`);
    const drained = await waitFor(
      () => agent.ofRun('fsL').distinct >= pushed.acked,
      options.drainTimeoutSec * 1000,
    );
    const delivered = agent.ofRun('fsL');
    const peak = await peakRssMb(child.process.pid);
    await stop(child.process);
    const recorded = rows2 - rows1;
    const lost = Math.max(0, pushed.acked - delivered.distinct);
    return {
      name,
      window: options.connections,
      warmup: { pushed: warm.pushed, acked: warm.acked, recorded: rows1 - rows0 },
      load: {
        pushed: pushed.pushed,
        acked: pushed.acked,
        refused: pushed.refused,
        timedOut: pushed.timedOut,
        recorded,
        ackedPerSec: pushed.acked / pushed.seconds,
        p50Ms: percentile(pushed.latenciesMs, 50),
        p99Ms: percentile(pushed.latenciesMs, 99),
      },
      delivered: delivered.distinct,
      deliveredPerSec: delivered.distinct / (Math.max(1, delivered.lastAt - t0) / 1000),
      drained,
      lost,
      peakRssMb: peak,
      cpuPercent: (100 * cpuSeconds) / pushed.seconds,
      // An ack means committed: every acked event is recorded and reaches the agent.
      ok: lost === 0 && recorded >= pushed.acked && rows1 - rows0 >= warm.acked,
    };
  } finally {
    await feishu.close();
  }
}

async function bolt(): Promise<ServerRun> {
  const child = await spawnNode(
    ['--conditions=source', '--import', 'tsx', `${BENCH_DIR}bolt-app.ts`],
    /listening (\d+)/,
    process.env,
    HUB_DIR,
  );
  children.push(child);
  // Bolt's HTTPReceiver answers events on any path; /slack/events is its documented one.
  const run = await measure('bolt', child, `http://127.0.0.1:${child.ready}/slack/events`, false);
  await stop(child.process);
  return run;
}

let failed = false;
try {
  const hub = await hubWithWorkers(false);
  const runs: ServerRun[] = [hub.run];
  const workerRuns = [{ name: hub.run.name, workers: hub.workers }];
  if (options.split) {
    const split = await hubWithWorkers(true);
    runs.push(split.run);
    workerRuns.push({ name: split.run.name, workers: split.workers });
  }
  if (options.ingressOnly) runs.push(await hubIngressOnly());
  if (options.whatsapp) runs.push(await hubWhatsApp());
  const feishuRun = options.feishu ? await hubFeishu() : undefined;
  runs.push(await bolt());
  printReport(runs, workerRuns, options);
  if (feishuRun) printFeishuRun(feishuRun);
  failed =
    runs.some((run) => run.integrity && (!run.integrity.warmup.ok || !run.integrity.load.ok)) ||
    feishuRun?.ok === false;
  if (failed) console.log('\nINTEGRITY CHECK FAILED: the hub acknowledged events it had not recorded');
} finally {
  for (const child of children) await stop(child.process);
  await agent.close();
  await slack.close();
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(`${dataDir}-worker`, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
