// Scale-out benchmark: 1, 2 and 3 hub processes on one PostgreSQL database behind a round-robin
// load balancer, under load; one replica is killed with SIGKILL in the middle of each multi-replica
// run, and (with --pg-restart) PostgreSQL itself is stopped and started again mid-run. Reports
// throughput per replica count and whether every acknowledged event reached the agent.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { type Child, peakRssMb, spawnNode, stop } from './lib/children.js';
import { startCountingAgent } from './lib/counting-agent.js';
import { benchHubEnv } from './lib/hub-env.js';
import { printLongConnections, runLongConnections } from './lib/long-connections.js';
import { HUB_DIR, runLoad, waitFor } from './lib/measure.js';
import { startRoundRobinProxy } from './lib/round-robin-proxy.js';
import { seedBenchDatabase } from './lib/seed.js';
import { SIGNING_SECRET } from './lib/slack-events.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    replicas: { type: 'string', default: '1,2,3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    conversations: { type: 'string', default: '256' },
    'no-kill': { type: 'boolean', default: false },
    'pg-restart': { type: 'boolean', default: false },
    'pg-down': { type: 'string', default: '5' },
    'drain-timeout': { type: 'string', default: '180' },
    'long-connections': { type: 'string', default: '0' },
    'lease-ttl': { type: 'string', default: '10' },
    'seed-over': { type: 'string', default: '4' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`bench:replicas [--replicas 1,2,3] [--duration 10] [--connections 32] [--no-kill]
  [--pg-restart] [--pg-down 5]   stop the local PostgreSQL cluster for N s mid-run (needs root;
                                 every other user of that server sees the outage too)
bench:replicas --long-connections 200 [--replicas 3] [--lease-ttl 10] [--seed-over 4] [--no-kill]
  instead of the webhook runs: N Feishu long connections (fake Feishu) over the largest replica
  count, added over --seed-over s; the replica holding the most is killed, and the report shows
  the leases per replica before and after and how long the survivors took to take over`);
  process.exit(0);
}
const replicaCounts = values.replicas
  .split(',')
  .map(Number)
  .filter((n) => n >= 1);
const duration = Number(values.duration);
const connections = Number(values.connections);
const conversations = Number(values.conversations);
const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
process.env.SWITCHBOARD_TEST_POSTGRES_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface ReplicaRun {
  replicas: number;
  reqPerSec: number;
  p99: number;
  acked: number;
  non2xx: number;
  errors: number;
  recorded: number;
  delivered: number;
  duplicates: number;
  killedAtSec?: number;
  pgDownSec?: number;
  drainSec: number;
  drained: boolean;
  peakRssMb: number[];
  spread: number[];
}

const agent = await startCountingAgent();
const slack = await startFakeSlack();
const db = await seedBenchDatabase(agent, slack.url);
const baseDir = await mkdtemp(join(tmpdir(), 'sb-bench-replicas-'));
const hubEnv = benchHubEnv(db, {
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  // A killed replica's claims are taken over after this, not after the 5 min production default.
  SWITCHBOARD_INBOX_STALE_MS: '5000',
});
const children: Child[] = [];

async function startReplica(index: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child = await spawnNode(
    [`${HUB_DIR}bin/switchboard.mjs`, 'start'],
    /"url":"http:\/\/[^"]+:(\d+)"/,
    { ...hubEnv, LOG_LEVEL: 'info', SWITCHBOARD_DATA_DIR: join(baseDir, `replica-${index}`), ...extraEnv },
    HUB_DIR,
  );
  children.push(child);
  return child;
}

/** The local cluster, stopped and started as its service would be (pg_ctlcluster). */
function pgCluster(action: 'stop' | 'start'): void {
  const version = readdirSync('/etc/postgresql')[0];
  if (!version) throw new Error('no local PostgreSQL cluster in /etc/postgresql');
  const args = [
    '--skip-systemctl-redirect',
    version,
    'main',
    action,
    ...(action === 'stop' ? ['-m', 'fast'] : []),
  ];
  execFileSync('pg_ctlcluster', args, { stdio: 'ignore' });
}

async function run(replicas: number): Promise<ReplicaRun> {
  const hubs: Child[] = [];
  for (let i = 0; i < replicas; i++) hubs.push(await startReplica(i));
  const proxy = await startRoundRobinProxy(hubs.map((hub) => Number(hub.ready)));
  const rows0 = await db.inboxRows();
  const delivered0 = agent.distinct();
  const requests0 = agent.requests();
  const victim = replicas >= 2 && !values['no-kill'] ? hubs[replicas - 1] : undefined;
  const timers: NodeJS.Timeout[] = [];
  let startedAt = 0;
  let killedAtSec: number | undefined;
  let pgDownSec: number | undefined;
  const rss: number[] = [];
  log(
    `${replicas} replica(s): ${duration} s at ${connections} connections${victim ? ', one killed halfway' : ''}`,
  );
  const load = await runLoad(
    {
      url: `${proxy.url}/hooks/${db.installationId}`,
      secret: SIGNING_SECRET,
      connections,
      conversations,
      duration,
      prefix: `R${replicas}x`,
    },
    () => {
      startedAt = performance.now();
      if (victim) {
        timers.push(
          setTimeout(
            async () => {
              rss.push((await peakRssMb(victim.process.pid)) ?? 0);
              victim.process.kill('SIGKILL');
              killedAtSec = (performance.now() - startedAt) / 1000;
              log(`killed replica ${replicas} (pid ${victim.process.pid}) at ${killedAtSec.toFixed(1)} s`);
            },
            (duration * 1000) / 2,
          ),
        );
      }
      if (values['pg-restart']) {
        timers.push(
          setTimeout(
            () => {
              log('stopping PostgreSQL');
              const downAt = performance.now();
              pgCluster('stop');
              setTimeout(() => {
                pgCluster('start');
                pgDownSec = (performance.now() - downAt) / 1000;
                log(`PostgreSQL back after ${pgDownSec.toFixed(1)} s`);
              }, Number(values['pg-down']) * 1000);
            },
            (duration * 1000) / 4,
          ),
        );
      }
    },
  );
  const loadEnd = performance.now();
  for (const timer of timers) clearTimeout(timer);
  // The inbox may be unreachable for a moment after a PostgreSQL restart.
  await waitFor(() => pgDownSec !== undefined || !values['pg-restart'], 30_000);
  const recorded = (await retry(() => db.inboxRows())) - rows0;
  log(`${replicas} replica(s): waiting for ${recorded - (agent.distinct() - delivered0)} deliveries`);
  const drained = await waitFor(() => agent.distinct() - delivered0 >= recorded, drainTimeoutMs);
  const drainSec = ((drained ? agent.lastAt() : performance.now()) - loadEnd) / 1000;
  for (const hub of hubs) {
    if (hub !== victim) rss.push((await peakRssMb(hub.process.pid)) ?? 0);
  }
  const spread = hubs.map((hub) => proxy.connectionsByPort().get(Number(hub.ready)) ?? 0);
  await proxy.close();
  for (const hub of hubs) await stop(hub.process);
  const delivered = agent.distinct() - delivered0;
  return {
    replicas,
    reqPerSec: load.reqPerSec,
    p99: load.p99,
    acked: load.ok2xx,
    non2xx: load.non2xx,
    errors: load.errors + load.timeouts,
    recorded,
    delivered,
    duplicates: agent.requests() - requests0 - delivered,
    ...(killedAtSec !== undefined ? { killedAtSec } : {}),
    ...(pgDownSec !== undefined ? { pgDownSec } : {}),
    drainSec: Math.max(0, drainSec),
    drained,
    peakRssMb: rss,
    spread,
  };
}

async function retry<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt > 60) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function report(runs: ReplicaRun[]): boolean {
  console.log(
    `\n${connections} connections, ${duration} s per run, ${conversations} chats, round-robin per connection`,
  );
  const header = [
    'replicas',
    'req/s',
    'p99 ms',
    '2xx',
    'non-2xx',
    'errors',
    'recorded',
    'delivered',
    'lost',
    'dup',
    'drain s',
    'killed at',
    'connections per replica',
    'peak RSS MB',
  ];
  const rows = runs.map((r) => [
    String(r.replicas),
    r.reqPerSec.toFixed(0),
    String(r.p99),
    String(r.acked),
    String(r.non2xx),
    String(r.errors),
    String(r.recorded),
    String(r.delivered),
    String(Math.max(0, r.recorded - r.delivered)),
    String(r.duplicates),
    r.drainSec.toFixed(1),
    r.killedAtSec !== undefined ? `${r.killedAtSec.toFixed(1)} s` : '-',
    r.spread.join('/'),
    r.peakRssMb.map((mb) => mb.toFixed(0)).join('/'),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  let ok = true;
  for (const r of runs) {
    // Acknowledged implies recorded (ack after commit); recorded must all reach the agent.
    const lostAcked = r.acked - r.recorded;
    const lost = r.recorded - r.delivered;
    if (lostAcked > 0 || lost > 0 || !r.drained) ok = false;
    const pg =
      r.pgDownSec !== undefined
        ? `, PostgreSQL down ${r.pgDownSec.toFixed(1)} s (non-2xx while down: ${r.non2xx})`
        : '';
    console.log(
      `  ${r.replicas} replica(s): ${lostAcked > 0 ? `${lostAcked} ACKNOWLEDGED BUT NOT RECORDED` : 'every 2xx recorded'}, ` +
        `${lost > 0 ? `${lost} RECORDED BUT NOT DELIVERED` : 'every recorded event delivered'}; ` +
        `${r.duplicates} duplicate deliveries (at-least-once: only a killed replica's in-flight claims)${pg}`,
    );
  }
  const one = runs.find((r) => r.replicas === 1);
  if (one) {
    for (const r of runs.filter((x) => x.replicas > 1)) {
      console.log(
        `  ${r.replicas} replicas vs 1: ${(r.reqPerSec / one.reqPerSec).toFixed(2)}x req/s (all processes share the same 2 cores and one PostgreSQL)`,
      );
    }
  }
  return ok;
}

let ok = false;
const longConnections = Number(values['long-connections']);
try {
  if (longConnections > 0) {
    const lc = await runLongConnections({
      db,
      replicas: Math.max(...replicaCounts),
      installations: longConnections,
      seedOverSec: Number(values['seed-over']),
      leaseTtlMs: Number(values['lease-ttl']) * 1000,
      kill: !values['no-kill'],
      timeoutMs: 120_000,
      startReplica,
      stopReplica: (child) => stop(child.process),
      log,
    });
    printLongConnections(lc);
    ok = lc.ok;
    if (!ok) console.log('\nLONG-CONNECTION CHECK FAILED');
  } else {
    const runs: ReplicaRun[] = [];
    for (const count of replicaCounts) runs.push(await run(count));
    ok = report(runs);
    if (!ok) console.log('\nINTEGRITY CHECK FAILED');
  }
} finally {
  for (const child of children) await stop(child.process);
  await agent.close();
  await slack.close();
  await retry(() => db.drop());
  await rm(baseDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
