import type { Registry } from '@switchboard/core';
import type { InstallationRecord } from '@switchboard/db';

/**
 * Where the platform should post an installation's events: the app's URL for a type with an
 * app-level route (shared by every installation of the app), the accounts hook for an account
 * provisioner, else the installation's own URL.
 */
export function webhookPath(registry: Registry, installation: InstallationRecord): string {
  if (registry.provisioner(installation.channelType)) return `/hooks/accounts/${installation.id}`;
  const route = registry.has(installation.channelType)
    ? registry.get(installation.channelType).appRoute
    : undefined;
  const appKey = route ? installation.config[route.appKeyField] : undefined;
  if (typeof appKey === 'string') {
    return `/hooks/app/${encodeURIComponent(installation.channelType)}/${encodeURIComponent(appKey)}`;
  }
  return `/hooks/${installation.id}`;
}
