import { Counter, type Registry } from 'prom-client';

/** Counters for the pipeline; labels are closed sets (reason and error codes), never ids. */
export interface PipelineMetrics {
  recorded: Counter;
  duplicates: Counter;
  rejected: Counter<'code'>;
  decisions: Counter<'reason'>;
  outbound: Counter<'status'>;
}

export function createPipelineMetrics(registry: Registry): PipelineMetrics {
  const registers = [registry];
  return {
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
