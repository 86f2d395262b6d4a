import type { Logger, Registry } from '@switchboard/core';
import {
  appIdInstallationKeys,
  configKey,
  type InstallationKeyRule,
  type InstallationStore,
} from '@switchboard/db';

/**
 * The hub's rule for an installation's app key and installation key. A channel type with an
 * app-level route names both config fields, so one app can have many installations (one per
 * tenant, per number, ...); any other type keeps one active installation per app id.
 */
export function appInstallationKeys(registry: Registry): InstallationKeyRule {
  return (channelType, config) => {
    const route = registry.has(channelType) ? registry.get(channelType).appRoute : undefined;
    if (!route) return appIdInstallationKeys(channelType, config);
    return {
      appKey: configKey(config, route.appKeyField),
      installationKey: configKey(config, route.installationKeyField) ?? '',
      installationKeyField: route.installationKeyField,
    };
  };
}

/**
 * At startup, gives installations written before their type's rule was known (the migration set
 * only the app id) their installation key. One statement per app-routed type, a no-op once done.
 * A row that cannot take its key (another active installation holds it) is left as it was and
 * logged: the app route then refuses that key as claimed twice, as before.
 */
export async function backfillAppInstallationKeys(
  registry: Registry,
  installations: InstallationStore,
  logger: Logger,
): Promise<void> {
  for (const factory of registry.factories()) {
    const route = factory.appRoute;
    if (!route) continue;
    try {
      const changed = await installations.backfillAppKeys(factory.type, route);
      if (changed > 0) logger.info({ channelType: factory.type, changed }, 'set installation keys of an app');
    } catch (error) {
      logger.warn({ channelType: factory.type, err: error }, 'could not set installation keys of an app');
    }
  }
}
