import type { Logger, Registry } from '@switchboard/core';

/** At most this many steps, each at most this long: a plugin's list is shown as it is. */
const MAX_STEPS = 12;
const MAX_STEP_LENGTH = 500;

/**
 * The platform-side setup steps the channel type's plugin declares for this webhook URL; none
 * when it declares none. A plugin that throws costs its steps, never the page that shows them.
 */
export function setupStepsFor(
  registry: Registry,
  channelType: string,
  webhookUrl: string,
  logger: Logger,
): string[] {
  const factory = registry.has(channelType) ? registry.get(channelType) : registry.provisioner(channelType);
  if (!factory?.setupSteps) return [];
  try {
    const steps = factory.setupSteps(webhookUrl);
    return Array.isArray(steps)
      ? steps
          .filter((step): step is string => typeof step === 'string' && step.length > 0)
          .slice(0, MAX_STEPS)
          .map((step) => step.slice(0, MAX_STEP_LENGTH))
      : [];
  } catch (error) {
    logger.warn({ channelType, err: (error as Error).message }, 'setup steps of the channel type failed');
    return [];
  }
}
