// Long connections at scale: N Feishu installations in websocket mode (one app, one tenant each)
// against the testkit's fake Feishu, held by R replicas under leases; one replica is killed with
// SIGKILL and the survivors take its installations over once its leases expire.
import { startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import type { Child } from './children.js';
import { FS_APP_ID, FS_APP_SECRET, FS_BOT, FS_TENANT } from './feishu-events.js';
import type { BenchDatabase } from './seed.js';

export interface LongConnectionOptions {
  db: BenchDatabase;
  replicas: number;
  installations: number;
  /** Installations are added evenly over this long, while the replicas run (their scans race). */
  seedOverSec: number;
  leaseTtlMs: number;
  kill: boolean;
  /** How long to wait for all connections, before and after the kill. */
  timeoutMs: number;
  startReplica(index: number, env: NodeJS.ProcessEnv): Promise<Child>;
  stopReplica(child: Child): Promise<void>;
  log(message: string): void;
}

export interface LongConnectionRun {
  replicas: number;
  installations: number;
  leaseTtlMs: number;
  /** From the first installation added until all were connected (fake) and leased (database). */
  allConnectedSec: number | undefined;
  /** Live leases per replica (database), and connected per replica (status rows), before the kill. */
  before: Distribution;
  killed?: { replica: number; held: number };
  /** From the kill until the fake had every connection back and survivors held every lease. */
  rebalanceSec?: number | undefined;
  /** From the kill until the fake had every connection back. */
  reconnectedSec?: number | undefined;
  /** Fewest connections open at the fake after the kill. */
  lowestOpen?: number;
  after?: Distribution;
  /** Most connections open at the fake at any sample: more than `installations` = held twice. */
  mostOpen: number;
  ok: boolean;
}

export interface Distribution {
  leases: number[];
  connected: number[];
  open: number;
}

export async function runLongConnections(options: LongConnectionOptions): Promise<LongConnectionRun> {
  const { db, log } = options;
  const feishu = await startFakeFeishu({
    appId: FS_APP_ID,
    appSecret: FS_APP_SECRET,
    tenantKey: FS_TENANT,
    botOpenId: FS_BOT,
  });
  const hubs: Child[] = [];
  const ids: string[] = [];
  let mostOpen = 0;
  const sampler = setInterval(() => {
    mostOpen = Math.max(mostOpen, feishu.connections());
  }, 50);
  try {
    const env = { SWITCHBOARD_LEASE_TTL_MS: String(options.leaseTtlMs) };
    for (let i = 0; i < options.replicas; i++) hubs.push(await options.startReplica(i, env));
    for (const hub of hubs) ids.push(replicaIdOf(hub));

    const distribution = async (): Promise<Distribution> => {
      const leases = await db.query<{ owner: string; n: string }>(
        `SELECT lease_owner AS owner, count(*) AS n FROM channel_installation
          WHERE channel_type = 'feishu' AND lease_owner IS NOT NULL AND lease_expires_at >= now()
          GROUP BY lease_owner`,
      );
      const connected = await db.query<{ owner: string; n: string }>(
        `SELECT s.lease_holder AS owner, count(*) AS n FROM channel_installation_status s
           JOIN channel_installation ci ON ci.id = s.installation_id
          WHERE ci.channel_type = 'feishu' AND s.state = 'connected' GROUP BY s.lease_holder`,
      );
      const byReplica = (rows: { owner: string; n: string }[]) =>
        ids.map((id) => Number(rows.find((row) => row.owner === id)?.n ?? 0));
      return { leases: byReplica(leases), connected: byReplica(connected), open: feishu.connections() };
    };
    const settled = (holders: string[]) => async () => {
      if (feishu.connections() !== options.installations) return false;
      const [row] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM channel_installation
          WHERE channel_type = 'feishu' AND lease_owner = ANY($1) AND lease_expires_at >= now()`,
        [holders],
      );
      return Number(row?.n ?? 0) === options.installations;
    };

    log(
      `long connections: adding ${options.installations} Feishu installations over ${options.seedOverSec} s`,
    );
    const tenants = await db.openFeishuTenants(feishu.url);
    const seedStart = performance.now();
    try {
      const gapMs = (options.seedOverSec * 1000) / options.installations;
      for (let n = 0; n < options.installations; n++) {
        await tenants.add(`tenant_bench_lc_${String(n).padStart(5, '0')}`);
        const due = seedStart + (n + 1) * gapMs;
        if (due > performance.now()) await sleep(due - performance.now());
      }
    } finally {
      await tenants.close();
    }
    const allConnected = await poll(settled(ids), options.timeoutMs);
    const allConnectedSec = allConnected ? (performance.now() - seedStart) / 1000 : undefined;
    // The status reporter writes once a second: let the "connected" rows catch up.
    await sleep(1_500);
    const before = await distribution();
    log(`long connections: leases per replica ${before.leases.join('/')}, open at the fake ${before.open}`);
    const run: LongConnectionRun = {
      replicas: options.replicas,
      installations: options.installations,
      leaseTtlMs: options.leaseTtlMs,
      allConnectedSec,
      before,
      mostOpen,
      ok: allConnected,
    };
    if (!options.kill || options.replicas < 2 || !allConnected) return { ...run, mostOpen };

    // The replica holding the most installations, so the most leases have to move.
    const victimIndex = before.leases.indexOf(Math.max(...before.leases));
    const victim = hubs[victimIndex] as Child;
    const survivors = ids.filter((_, i) => i !== victimIndex);
    victim.process.kill('SIGKILL');
    const killedAt = performance.now();
    log(`long connections: killed replica ${victimIndex + 1} holding ${before.leases[victimIndex]}`);
    let lowestOpen = options.installations;
    let reconnectedSec: number | undefined;
    // The victim's sockets close as its process dies; the count is back when survivors reconnect.
    const observe = () => {
      const open = feishu.connections();
      lowestOpen = Math.min(lowestOpen, open);
      if (reconnectedSec === undefined && open === options.installations && lowestOpen < open)
        reconnectedSec = (performance.now() - killedAt) / 1000;
    };
    const watcher = setInterval(observe, 20);
    const survivorsSettled = settled(survivors);
    const rebalanced = await poll(() => {
      observe();
      return survivorsSettled();
    }, options.timeoutMs + options.leaseTtlMs);
    clearInterval(watcher);
    const rebalanceSec = rebalanced ? (performance.now() - killedAt) / 1000 : undefined;
    await sleep(1_500);
    const after = await distribution();
    return {
      ...run,
      killed: { replica: victimIndex + 1, held: before.leases[victimIndex] ?? 0 },
      rebalanceSec,
      reconnectedSec,
      lowestOpen,
      after,
      mostOpen,
      ok: rebalanced && mostOpen <= options.installations,
    };
  } finally {
    clearInterval(sampler);
    for (const hub of hubs) await options.stopReplica(hub);
    await feishu.close();
  }
}

export function printLongConnections(run: LongConnectionRun): void {
  const cells = (counts: number[], skip?: number) =>
    counts.map((n, i) => (i + 1 === skip ? `replica ${i + 1}: killed` : `replica ${i + 1}: ${n}`)).join('  ');
  console.log(
    `\nLong connections: ${run.installations} Feishu installations (websocket, fake Feishu) over ${run.replicas} replicas, lease TTL ${(run.leaseTtlMs / 1000).toFixed(0)} s`,
  );
  console.log(
    `  all connected        ${run.allConnectedSec !== undefined ? `${run.allConnectedSec.toFixed(1)} s after the first installation was added` : 'NOT within the timeout'}`,
  );
  console.log(
    `  before the kill      leases    ${cells(run.before.leases)}   (open at the fake: ${run.before.open})`,
  );
  console.log(`                       connected ${cells(run.before.connected)}   (status rows)`);
  if (run.killed && run.after) {
    console.log(`  killed               replica ${run.killed.replica} (SIGKILL), holding ${run.killed.held}`);
    console.log(
      `  after the rebalance  leases    ${cells(run.after.leases, run.killed.replica)}   (open at the fake: ${run.after.open})`,
    );
    console.log(
      `                       connected ${cells(run.after.connected, run.killed.replica)}   (status rows)`,
    );
    console.log(
      `  rebalance            ${run.rebalanceSec !== undefined ? `${run.rebalanceSec.toFixed(1)} s` : 'NOT within the timeout'} from the kill until survivors held every lease with every connection open` +
        ` (${run.reconnectedSec !== undefined ? `connections back after ${run.reconnectedSec.toFixed(1)} s` : 'connections not back'}; lowest open ${run.lowestOpen}; a dead holder's leases expire after one TTL)`,
    );
  }
  console.log(
    `  most open at once    ${run.mostOpen} (more than ${run.installations} would mean an installation connected twice)`,
  );
}

/** The supervisor's replica id, which it logs at start (the lease owner in the database). */
function replicaIdOf(child: Child): string {
  const id = /"replicaId":"(replica-[0-9a-f]+)"/.exec(child.output())?.[1];
  if (!id) throw new Error('the replica did not log its supervisor replica id');
  return id;
}

async function poll(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (performance.now() > deadline) return false;
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
