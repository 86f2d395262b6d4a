import { Counter, type Registry } from 'prom-client';

/** Counters of long-connection trouble this replica saw; no installation ids as labels. */
export interface StatusMetrics {
  reconnects: Counter;
  leaseLosses: Counter;
}

export function createStatusMetrics(registry: Registry): StatusMetrics {
  return {
    reconnects: new Counter({
      name: 'switchboard_connection_reconnects_total',
      help: 'Long connections that failed and were scheduled to reconnect, on this replica',
      registers: [registry],
    }),
    leaseLosses: new Counter({
      name: 'switchboard_connection_lease_losses_total',
      help: 'Connection leases this replica lost while holding them (taken over, revoked, renew failed)',
      registers: [registry],
    }),
  };
}
