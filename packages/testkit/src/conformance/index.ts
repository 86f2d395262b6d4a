import { afterEach, beforeEach, describe } from 'vitest';
import { describeAppRouteChecks } from './app-route-checks.js';
import { describeConfigChecks } from './config-checks.js';
import { describeCapabilityChecks, describeLifecycleChecks } from './lifecycle-checks.js';
import { describeMediaChecks } from './media-checks.js';
import type { ChannelConformanceOptions, ConformancePlatform } from './options.js';
import { describeSendChecks } from './send-checks.js';
import { describeWebhookChecks } from './webhook-checks.js';

export { CONFORMANCE_INSTALLATION_ID } from './harness.js';
export {
  describeMembershipEventChecks,
  type MembershipConformance,
  type MembershipNotice,
} from './membership-checks.js';
export type {
  ChallengeVerification,
  ChannelConformanceOptions,
  ConformanceAppRoute,
  ConformanceFixture,
  ConformanceMedia,
  ConformancePlatform,
  ConformanceWebhook,
  HmacVerification,
  TimestampedHmacVerification,
  WebhookVerification,
} from './options.js';
export { describeStatusEventChecks, type StatusConformance } from './status-checks.js';

/**
 * Registers the checks every channel adapter must pass (config, capabilities, webhook
 * verification and parsing, send/update against a fake platform, connect/disconnect) as vitest
 * `describe`/`it` blocks. Call it at the top level of an adapter's test file.
 */
export function describeChannelConformance<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
): void {
  describe(options.name ?? `${options.factory.type} channel conformance`, () => {
    describeConfigChecks(options);
    describeCapabilityChecks(options);
    describeWebhookChecks(options);
    describeAppRouteChecks(options);

    describe('against the fake platform', () => {
      let running: ConformancePlatform | undefined;
      const platform = (): ConformancePlatform => {
        if (!running) throw new Error('the fake platform is not running');
        return running;
      };
      beforeEach(async () => {
        running = await options.startPlatform();
      });
      afterEach(async () => {
        await running?.close();
        running = undefined;
      });
      describeSendChecks(options, platform);
      describeMediaChecks(options, platform);
      describeLifecycleChecks(options, platform);
    });
  });
}
export {
  type AccountConformancePlatform,
  type AccountProvisionerConformanceOptions,
  describeAccountProvisionerConformance,
} from './account-provisioning.js';
