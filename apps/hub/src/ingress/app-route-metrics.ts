import { Counter, type Registry } from 'prom-client';

/** Why part of an app-level batch was not recorded; a closed set, never ids. */
export type RefusedTargetReason = 'unknown_target' | 'ambiguous_target' | 'installation_unavailable';

export interface AppRouteMetrics {
  refusedTargets: Counter<'reason'>;
}

export function createAppRouteMetrics(registry: Registry): AppRouteMetrics {
  return {
    refusedTargets: new Counter({
      name: 'switchboard_app_route_refused_targets_total',
      help: 'Parts of app-level webhooks naming no single usable installation (never written), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
