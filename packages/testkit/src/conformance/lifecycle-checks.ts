import {
  Capability,
  checkDeclaredCapabilities,
  has,
  parseInboundMessage,
  secretKeys,
} from '@switchboard/core';
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

    const holds = options.factory.holdsLongConnection;
    if (holds) {
      it('answers holdsLongConnection from the stored config as its channel declares it', () => {
        // What the hub stores in plain: the config without its secret fields.
        const secrets = new Set(secretKeys(options.factory.configSchema));
        const stored = Object.fromEntries(
          Object.entries(options.validConfig).filter(([key]) => !secrets.has(key)),
        );
        const declared = has(createChannelUnderTest(options).capabilities(), Capability.LongConnection);
        expect(holds(stored)).toBe(declared);
      });
    }
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
      it('gives the suite a way to see long connections and push events on the platform', () => {
        expect(platform().waitForConnections).toBeTypeOf('function');
        expect(platform().pushEvent).toBeTypeOf('function');
      });

      it('hands an event the platform pushes over the connection to ctx.emit', async () => {
        const channel = createChannelUnderTest(options, platform().apiBaseUrl);
        const ctx = recordingContext();
        await channel.connect(ctx);
        await expectConnections(1);
        await platform().pushEvent?.();
        expect(ctx.emitted.length).toBeGreaterThan(0);
        for (const event of ctx.emitted) {
          expect(event.eventId.length).toBeGreaterThan(0);
          if (event.kind === 'message')
            expect(parseInboundMessage(event.message).source.channelType).toBe(options.factory.type);
        }
        await channel.disconnect();
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
