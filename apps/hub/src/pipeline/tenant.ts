import type { Channel, EventScope } from '@switchboard/core';

export interface TenantMismatch {
  reason: 'wrong_tenant' | 'wrong_app';
  detail: Record<string, unknown>;
}

/**
 * A correctly signed event can still belong to another tenant or app (a shared signing secret, a
 * replay from another install): compare what the platform says the event is for with what the
 * installation expects. A channel that expects a tenant refuses an event that names none.
 */
export function tenantMismatch(channel: Channel, scope: EventScope): TenantMismatch | undefined {
  const homeTenant = channel.homeTenant?.();
  const eventTenant = scope.tenantKey;
  if (homeTenant && eventTenant !== homeTenant) {
    return { reason: 'wrong_tenant', detail: { eventTenant: eventTenant ?? null, stage: 'ingress' } };
  }
  const homeApp = channel.homeApp?.();
  const eventApp = scope.appId;
  if (homeApp && eventApp !== undefined && eventApp !== homeApp) {
    return { reason: 'wrong_app', detail: { eventApp, stage: 'ingress' } };
  }
  return undefined;
}
