import { Capability, has, type OutboundTarget } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { createChannelUnderTest } from './harness.js';
import type { ChannelConformanceOptions, ConformancePlatform } from './options.js';

export function describeSendChecks<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
  platform: () => ConformancePlatform,
): void {
  const declaresEdit = has(createChannelUnderTest(options).capabilities(), Capability.Edit);

  describe('send', () => {
    it('has at least one send target', () => {
      expect(options.sendTargets.length).toBeGreaterThan(0);
    });

    for (const [index, target] of options.sendTargets.entries()) {
      it(`sends to ${describeTarget(target)} and the platform holds the message`, async () => {
        const channel = createChannelUnderTest(options, platform().apiBaseUrl);
        const text = `conformance message ${index + 1}`;
        const { platformMessageId } = await channel.send({
          target,
          text,
          idempotencyKey: `conf-send-${index}`,
        });
        expect(platformMessageId).toEqual(expect.any(String));
        expect(platformMessageId.length).toBeGreaterThan(0);
        expect(platform().messageText(target, platformMessageId)).toBe(text);
      });
    }

    if (!declaresEdit) return;

    it('updates a sent message (Edit) and the platform holds the new text', async () => {
      const channel = createChannelUnderTest(options, platform().apiBaseUrl);
      const target = options.sendTargets[0];
      if (!target || !channel.update) throw new Error('Edit needs a send target and update()');
      const sent = await channel.send({ target, text: 'before the edit', idempotencyKey: 'conf-edit-1' });
      const updated = await channel.update(sent.platformMessageId, {
        target,
        text: 'after the edit',
        idempotencyKey: 'conf-edit-2',
      });
      expect(updated.platformMessageId).toBe(sent.platformMessageId);
      expect(platform().messageText(target, sent.platformMessageId)).toBe('after the edit');
    });
  });
}

function describeTarget(target: OutboundTarget): string {
  const reply = target.reply?.threadId ?? target.reply?.replyToMessageId;
  return reply ? `${target.chatId} (in reply to ${reply})` : target.chatId;
}
