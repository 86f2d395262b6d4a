import { Counter, Gauge, type Registry } from 'prom-client';

/** Counters for the pipeline; labels are closed sets (reason and error codes), never ids. */
export interface PipelineMetrics {
  recorded: Counter;
  duplicates: Counter;
  rejected: Counter<'code'>;
  decisions: Counter<'reason'>;
  outbound: Counter<'status'>;
  /** What the gauges read when scraped; the pipeline fills these in. */
  sources: {
    openCircuits?: () => number;
    heldConversations?: () => Promise<number>;
  };
}

export function createPipelineMetrics(registry: Registry): PipelineMetrics {
  const registers = [registry];
  const sources: PipelineMetrics['sources'] = {};
  new Gauge({
    name: 'switchboard_agent_circuits_open',
    help: 'Agents whose circuit is open or half-open in this process (one probe per interval)',
    registers,
    collect() {
      this.set(sources.openCircuits?.() ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_inbox_held_conversations',
    help: 'Conversations held back by a dead letter until an admin retries or discards it',
    registers,
    async collect() {
      this.set((await sources.heldConversations?.().catch(() => 0)) ?? 0);
    },
  });
  return {
    sources,
    recorded: new Counter({
      name: 'switchboard_inbound_recorded_total',
      help: 'Events recorded in the inbox',
      registers,
    }),
    duplicates: new Counter({
      name: 'switchboard_inbound_duplicates_total',
      help: 'Events already recorded',
      registers,
    }),
    rejected: new Counter({
      name: 'switchboard_inbound_rejected_total',
      help: 'Webhook requests refused, by error code',
      labelNames: ['code'],
      registers,
    }),
    decisions: new Counter({
      name: 'switchboard_inbound_decisions_total',
      help: 'Terminal decisions about inbound events, by audit reason',
      labelNames: ['reason'],
      registers,
    }),
    outbound: new Counter({
      name: 'switchboard_outbound_total',
      help: 'Outbound send attempts, by result',
      labelNames: ['status'],
      registers,
    }),
  };
}
