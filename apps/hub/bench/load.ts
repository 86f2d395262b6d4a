// The load generator, run as its own process so it does not share an event loop with the server
// under test or the orchestrator. Input: one JSON argument (LoadSpec). Output: one JSON line
// (LoadResult) on stdout.
import autocannon from 'autocannon';
import { slackEventBody, slackHeaders } from './lib/slack-events.js';
import { whatsappBatchBody, whatsappHeaders } from './lib/whatsapp-events.js';

export interface LoadSpec {
  /** Which platform's webhooks to send; default Slack (one event per request). */
  platform?: 'slack' | 'whatsapp';
  url: string;
  secret: string;
  /** Makes event ids unique across runs against the same database. */
  prefix: string;
  connections: number;
  /** Distinct chats the events are spread over (see slackEventBody). */
  conversations: number;
  /** Seconds; ignored when `amount` is set. */
  duration: number;
  /** A fixed number of requests: autocannon then waits for every answer before it stops. */
  amount?: number;
}

export interface LoadResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Bodies built; an upper bound of requests sent (autocannon prebuilds one per connection). */
  generated: number;
  sent: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSec: number;
  /** CPU seconds this load generator used (it shares the cores with the server). */
  cpuSec: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
let generated = 0;
const cpuAtStart = process.cpuUsage();
// Tells the orchestrator that load begins now (this process took a moment to boot).
process.stdout.write('started\n');

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  ...(spec.amount ? { amount: spec.amount } : {}),
  requests: [
    {
      method: 'POST',
      // A fresh event id, body and signature per request: a replayed body would only hit dedup.
      setupRequest: (request) => {
        if (spec.platform === 'whatsapp') {
          const body = whatsappBatchBody(spec.prefix, generated++, spec.conversations);
          return { ...request, body, headers: whatsappHeaders(spec.secret, body) };
        }
        const body = slackEventBody(spec.prefix, generated++, spec.conversations);
        return { ...request, body, headers: slackHeaders(spec.secret, body) };
      },
    },
  ],
});

const statusCodes: Record<string, number> = {};
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
const output: LoadResult = {
  reqPerSec: result.requests.mean,
  p50: result.latency.p50,
  p99: result.latency.p99,
  generated,
  sent: result.requests.sent,
  ok2xx: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCodes,
  durationSec: result.duration,
  cpuSec: (() => {
    const used = process.cpuUsage(cpuAtStart);
    return (used.user + used.system) / 1e6;
  })(),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
