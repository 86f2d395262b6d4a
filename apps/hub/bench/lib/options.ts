import { parseArgs } from 'node:util';

export interface BenchOptions {
  connections: number;
  /** Distinct chats; the hub delivers one event per chat at a time. */
  conversations: number;
  /** Seconds of measured load per server. */
  duration: number;
  /** Requests sent before the measured run (JIT, pools, caches); a fixed count, checked exactly. */
  warmup: number;
  /** Also run the hub with its workers off, to separate ingress cost from worker contention. */
  ingressOnly: boolean;
  /** Also run the hub as an ingress process plus a worker process. */
  split: boolean;
  /** Also run the hub on WhatsApp webhook batches (10 messages per post). */
  whatsapp: boolean;
  /** Also run the hub on a Feishu long connection (events pushed by the fake, acks collected). */
  feishu: boolean;
  /** Events the fake Feishu pushes in the measured part of that run. */
  feishuEvents: number;
  /** Write a V8 CPU profile of the hub (workers on) into this directory. */
  cpuProfDir?: string;
  /** Longest wait for the workers to deliver everything after the load stops. */
  drainTimeoutSec: number;
  /** Seconds the agent is down (answers 503) while a backlog builds up; 0 skips the outage run. */
  outageSec: number;
  /** Events sent while the agent is down. */
  outageEvents: number;
}

const HELP = `pnpm bench:ingress [-- options]
  --connections N      concurrent connections (BENCH_CONNECTIONS, default 32)
  --conversations N    distinct chats the events go to (BENCH_CONVERSATIONS, default 256)
  --duration S         measured seconds per server (BENCH_DURATION, default 8)
  --warmup N           warm-up requests per server (BENCH_WARMUP, default 2000)
  --no-ingress-only    skip the extra run of the hub with its workers off
  --no-split           skip the run of the hub as an ingress process plus a worker process
  --no-whatsapp        skip the run of the hub on WhatsApp batches (10 messages per post)
  --no-feishu          skip the run of the hub on a Feishu long connection
  --feishu-events N    events pushed over it after 500 warm-up events (BENCH_FEISHU_EVENTS, default 5000)
  --cpu-prof DIR       write CPU profiles of the hub processes into DIR
  (BENCH_HUB_LOG=FILE  saves what the hub printed)
  --drain-timeout S    longest wait for delivery to the agent (default 180)
  --outage S           agent outage after the load, in seconds (BENCH_OUTAGE_SEC, default 60; 0 skips)
  --outage-events N    events sent while the agent is down (BENCH_OUTAGE_EVENTS, default 2000)`;

function nonNegativeInt(value: string | undefined, fallback: number, name: string): number {
  if (value === '0') return 0;
  return positiveInt(value, fallback, name);
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return parsed;
}

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string' },
      conversations: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'no-ingress-only': { type: 'boolean', default: false },
      'no-split': { type: 'boolean', default: false },
      'no-whatsapp': { type: 'boolean', default: false },
      'no-feishu': { type: 'boolean', default: false },
      'feishu-events': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'drain-timeout': { type: 'string' },
      outage: { type: 'string' },
      'outage-events': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  return {
    connections: positiveInt(values.connections ?? env.BENCH_CONNECTIONS, 32, 'connections'),
    conversations: positiveInt(values.conversations ?? env.BENCH_CONVERSATIONS, 256, 'conversations'),
    duration: positiveInt(values.duration ?? env.BENCH_DURATION, 8, 'duration'),
    warmup: positiveInt(values.warmup ?? env.BENCH_WARMUP, 2000, 'warmup'),
    ingressOnly: !values['no-ingress-only'],
    split: !values['no-split'],
    whatsapp: !values['no-whatsapp'],
    feishu: !values['no-feishu'],
    feishuEvents: positiveInt(values['feishu-events'] ?? env.BENCH_FEISHU_EVENTS, 5000, 'feishu-events'),
    ...(values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'] } : {}),
    drainTimeoutSec: positiveInt(values['drain-timeout'], 180, 'drain-timeout'),
    outageSec: nonNegativeInt(values.outage ?? env.BENCH_OUTAGE_SEC, 60, 'outage'),
    outageEvents: positiveInt(values['outage-events'] ?? env.BENCH_OUTAGE_EVENTS, 2000, 'outage-events'),
  };
}
