import type { LoadResult } from '../load.js';
import type { Integrity } from './measure.js';
import type { BenchOptions } from './options.js';

export interface ServerRun {
  name: string;
  load: LoadResult;
  peakRssMb: number | undefined;
  /** Split hub runs: the worker process's peak RSS (its CPU shows under "other"). */
  workerPeakRssMb?: number | undefined;
  /** Share of one core used during the timed run by the server process and by all of PostgreSQL. */
  cpuPercent: { server: number; postgres: number; loadGenerator: number; machine: number };
  /** Events in each request (a WhatsApp post carries a batch); absent: one. */
  eventsPerRequest?: number;
  /** Hub runs only: warm-up (fixed count, exact) and timed run. */
  integrity?: { warmup: Integrity; load: Integrity };
}

export interface WorkerRun {
  /** Distinct events the agent received while the timed load ran, per second. */
  duringLoadPerSec: number;
  /** Recorded but not yet delivered when the load stopped. */
  backlogAtLoadEnd: number;
  drainSec: number;
  /** Delivery rate after the load stopped (workers alone on the CPU). */
  drainPerSec: number;
  /** Events delivered from load start until the inbox was empty, over that time. */
  sustainedPerSec: number;
  drained: boolean;
  /** Deliveries that overtook a later-sent event of their chat, over the whole run (expected 0). */
  orderViolations: number;
  /** Agent outage run: a backlog built while the agent answered 503, then its recovery. */
  outage?: {
    outageSec: number;
    backlog: number;
    /** No event was dead-lettered or lost: all of the backlog reached the agent. */
    delivered: boolean;
    /** From the agent's return to its first accepted delivery (the circuit's probe). */
    firstDeliverySec: number;
    /** From the agent's return until the whole backlog was delivered. */
    backlogDeliveredSec: number;
    /** Requests the agent got while down: with the circuit open, about one per probe interval. */
    requestsWhileDown: number;
  };
}

/** The Feishu long-connection run: events pushed by the fake, acked after commit, delivered. */
export interface FeishuRun {
  name: string;
  window: number;
  warmup: { pushed: number; acked: number; recorded: number };
  load: {
    pushed: number;
    acked: number;
    refused: number;
    timedOut: number;
    recorded: number;
    ackedPerSec: number;
    p50Ms: number;
    p99Ms: number;
  };
  /** Distinct events of the measured part that reached the agent. */
  delivered: number;
  /** From the first measured push until the last of them reached the agent. */
  deliveredPerSec: number;
  drained: boolean;
  /** Acked but never delivered (must be 0). */
  lost: number;
  peakRssMb: number | undefined;
  cpuPercent: number;
  ok: boolean;
}

export function printFeishuRun(run: FeishuRun): void {
  const { load, warmup } = run;
  console.log(`
${run.name} (the fake pushes pbbp2 frames, ${run.window} in flight, and collects the acks):`);
  console.log(
    `  warm-up          ${cell(warmup.pushed)} pushed, ${cell(warmup.acked)} acked, ${cell(warmup.recorded)} recorded`,
  );
  console.log(
    `  acked            ${cell(load.ackedPerSec)} events/s after commit (${cell(load.acked)} of ${cell(load.pushed)}; ` +
      `${cell(load.refused)} refused, ${cell(load.timedOut)} without ack)`,
  );
  console.log(`  ack latency      p50 ${cell(load.p50Ms, 1)} ms, p99 ${cell(load.p99Ms, 1)} ms`);
  console.log(
    `  delivered        ${cell(run.delivered)} to the agent, ${cell(run.deliveredPerSec)} events/s from first push to last delivery${run.drained ? '' : ' (TIMED OUT: not everything delivered)'}`,
  );
  console.log(
    `  acked vs recorded vs delivered  ${cell(load.acked)} / ${cell(load.recorded)} / ${cell(run.delivered)}: lost ${cell(run.lost)} ${run.ok ? 'ok' : 'FAILED'}`,
  );
  console.log(
    `  hub              peak RSS ${cell(run.peakRssMb)} MB, CPU ${cell(run.cpuPercent)} % of one core`,
  );
}

/** The throughput targets, against Bolt's req/s in the same run (printed, never asserted). */
const TARGETS = {
  withWorkers: { ratio: 0.8, p99Ms: 30 },
  ingressOnly: { ratio: 1.0, p99Ms: 20 },
  sustainedDelivery: { ratio: 0.6 },
  peakRssMb: 250,
} as const;

function verdict(met: boolean): string {
  return met ? 'met' : 'missed';
}

function cell(value: number | undefined, digits = 0): string {
  return value === undefined ? 'n/a' : value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/**
 * Busy CPU on the machine not used by the server, PostgreSQL or the load generator (the
 * orchestrator and agent, and anything else running): when high, the run was disturbed.
 */
function otherCpu(run: ServerRun): number {
  const { server, postgres, loadGenerator, machine } = run.cpuPercent;
  return Math.max(0, machine - server - postgres - loadGenerator);
}

export function printReport(
  runs: ServerRun[],
  workerRuns: ReadonlyArray<{ name: string; workers: WorkerRun }>,
  options: BenchOptions,
): void {
  console.log(
    `\n${options.connections} connections, ${options.duration} s per server after ${options.warmup} warm-up requests, ` +
      `${options.conversations} chats; CPU % is of one core (2 cores are shared by everything)`,
  );
  const header = [
    'server',
    'req/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    '2xx',
    'non-2xx',
    'errors',
    'CPU %',
    'pg CPU %',
    'load CPU %',
    'other CPU %',
  ];
  const rows = runs.map((run) => [
    run.name,
    cell(run.load.reqPerSec),
    cell(run.load.p50, 1),
    cell(run.load.p99, 1),
    cell(run.peakRssMb),
    cell(run.load.ok2xx),
    cell(run.load.non2xx),
    cell(run.load.errors + run.load.timeouts),
    cell(run.cpuPercent.server),
    cell(run.cpuPercent.postgres),
    cell(run.cpuPercent.loadGenerator),
    cell(otherCpu(run)),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(`\n${line(header)}`);
  for (const row of rows) console.log(line(row));

  for (const run of runs) {
    if (run.workerPeakRssMb !== undefined) {
      console.log(
        `${run.name}: the worker process peaked at ${cell(run.workerPeakRssMb)} MB RSS; its CPU is in "other"`,
      );
    }
  }
  for (const run of runs) {
    if (run.eventsPerRequest === undefined) continue;
    console.log(
      `${run.name}: ${cell(run.load.reqPerSec * run.eventsPerRequest)} messages/s (${run.eventsPerRequest} per post)`,
    );
  }
  for (const run of runs) {
    const codes = Object.entries(run.load.statusCodes).filter(([code]) => !code.startsWith('2'));
    if (codes.length > 0)
      console.log(`${run.name} non-2xx by status: ${codes.map(([c, n]) => `${c}×${n}`).join(', ')}`);
  }

  console.log(
    '\nacknowledged vs recorded (rows in channel_inbound_message_dedup; a batch acks all its events):',
  );
  for (const run of runs) {
    if (!run.integrity) continue;
    for (const [phase, check] of Object.entries(run.integrity)) {
      console.log(
        `  ${run.name} ${phase.padEnd(7)} 2xx ${check.acked}  recorded ${check.recorded}  ${check.ok ? 'ok' : 'FAILED'} (${check.note})`,
      );
    }
  }

  for (const { name, workers } of workerRuns) {
    console.log(`\nworkers -> agent (${name}):`);
    console.log(
      `  during load      ${cell(workers.duringLoadPerSec)} events/s (ingress and workers share the CPU)`,
    );
    console.log(`  backlog at end   ${cell(workers.backlogAtLoadEnd)} events`);
    console.log(
      `  drain            ${cell(workers.drainSec, 1)} s, ${cell(workers.drainPerSec)} events/s${workers.drained ? '' : ' (TIMED OUT: not everything delivered)'}`,
    );
    console.log(
      `  sustained        ${cell(workers.sustainedPerSec)} events/s (load start until inbox empty)`,
    );
    const outage = workers.outage;
    if (outage) {
      console.log(
        `\nagent outage of ${cell(outage.outageSec)} s, ${cell(outage.backlog)} events sent meanwhile:`,
      );
      console.log(
        `  requests to the down agent  ${cell(outage.requestsWhileDown)} (circuit open: one probe per interval)`,
      );
      console.log(`  first delivery after return ${cell(outage.firstDeliverySec, 1)} s`);
      console.log(
        `  backlog delivered           ${cell(outage.backlogDeliveredSec, 1)} s after return${outage.delivered ? '' : ' (TIMED OUT: not everything delivered)'}`,
      );
    }
    console.log(
      `\nper-conversation order: ${cell(workers.orderViolations)} violations over the whole run (expected 0)`,
    );
  }

  const bolt = runs.find((run) => run.name === 'bolt');
  if (!bolt) return;
  // The Bolt targets compare single Slack events; a batched run has no Bolt counterpart.
  for (const hub of runs.filter((run) => run.name.startsWith('hub') && run.eventsPerRequest === undefined)) {
    const target = hub.name === 'hub (workers off)' ? TARGETS.ingressOnly : TARGETS.withWorkers;
    const ratio = hub.load.reqPerSec / bolt.load.reqPerSec;
    console.log(`\ntargets for ${hub.name} (reported, not asserted):`);
    console.log(
      `  hub/Bolt req/s  ${ratio.toFixed(2)}x  (target >= ${target.ratio.toFixed(1)}x: ${verdict(ratio >= target.ratio)})`,
    );
    console.log(
      `  hub p99         ${hub.load.p99} ms  (target <= ${target.p99Ms} ms: ${verdict(hub.load.p99 <= target.p99Ms)})`,
    );
    if (hub.peakRssMb !== undefined) {
      console.log(
        `  peak RSS        ${hub.peakRssMb} MB  (target <= ${TARGETS.peakRssMb} MB: ${verdict(hub.peakRssMb <= TARGETS.peakRssMb)})`,
      );
    }
    const workers = workerRuns.find((run) => run.name === hub.name)?.workers;
    if (workers) {
      const delivery = workers.sustainedPerSec / bolt.load.reqPerSec;
      console.log(
        `  delivery/Bolt   ${delivery.toFixed(2)}x  (sustained to the agent; target >= ${TARGETS.sustainedDelivery.ratio.toFixed(1)}x: ${verdict(delivery >= TARGETS.sustainedDelivery.ratio)})`,
      );
    }
  }
}
