import { Capability, checkDeclaredCapabilities, has } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { createChannelUnderTest, recordingContext } from './harness.js';
import type { ChannelConformanceOptions, ConformancePlatform } from './options.js';

export function describeCapabilityChecks<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
): void {
  describe('capabilities', () => {
    it('creates channels of the factory type', () => {
      expect(createChannelUnderTest(options).type).toBe(options.factory.type);
    });

    it('implements exactly the members its capabilities declare', () => {
      expect(checkDeclaredCapabilities(createChannelUnderTest(options))).toEqual([]);
    });
  });
}

export function describeLifecycleChecks<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
  platform: () => ConformancePlatform,
): void {
  const longConnection = has(createChannelUnderTest(options).capabilities(), Capability.LongConnection);

  /** Long-connection channels must open one connection on connect and none after disconnect. */
  async function expectConnections(count: number): Promise<void> {
    if (longConnection) await platform().waitForConnections?.(count);
  }

  describe('connect and disconnect', () => {
    if (longConnection) {
      it('gives the suite a way to see long connections on the platform', () => {
        expect(platform().waitForConnections).toBeTypeOf('function');
      });
    }

    it('connects, disconnects cleanly and tolerates a second disconnect', async () => {
      const channel = createChannelUnderTest(options, platform().apiBaseUrl);
      const ctx = recordingContext();
      await channel.connect(ctx);
      await expectConnections(1);
      await channel.disconnect();
      await expectConnections(0);
      await expect(channel.disconnect()).resolves.toBeUndefined();
      expect(ctx.lost).toEqual([]);
    });

    it('connects again after a disconnect, as a supervisor restarting it would', async () => {
      const channel = createChannelUnderTest(options, platform().apiBaseUrl);
      await channel.connect(recordingContext());
      await channel.disconnect();
      const ctx = recordingContext();
      await channel.connect(ctx);
      await expectConnections(1);
      await channel.disconnect();
      await expectConnections(0);
      expect(ctx.lost).toEqual([]);
    });

    if (longConnection) {
      it('closes its connection when ctx.signal aborts', async () => {
        const channel = createChannelUnderTest(options, platform().apiBaseUrl);
        const controller = new AbortController();
        const ctx = recordingContext(controller.signal);
        await channel.connect(ctx);
        await expectConnections(1);
        controller.abort();
        await expectConnections(0);
        expect(ctx.lost).toEqual([]);
        await channel.disconnect();
      });
    }
  });
}
