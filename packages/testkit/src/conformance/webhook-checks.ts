import {
  Capability,
  has,
  type InboundEvent,
  parseInboundMessage,
  type WebhookHandler,
  type WebhookRequest,
} from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_INSTALLATION_ID, createChannelUnderTest, toBytes, webhookRequest } from './harness.js';
import type { ChannelConformanceOptions, ConformanceFixture } from './options.js';

/** Fixed, so no check depends on the wall clock. */
const RECEIVED_AT = new Date('2025-03-14T09:26:53.000Z');
const NOW_SECONDS = Math.floor(RECEIVED_AT.getTime() / 1000);

export function describeWebhookChecks<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
): void {
  const type = options.factory.type;

  describe('webhook', () => {
    it('has a webhook option iff the channel declares Webhook', () => {
      const channel = createChannelUnderTest(options);
      expect(options.webhook !== undefined).toBe(has(channel.capabilities(), Capability.Webhook));
    });

    const webhookOptions = options.webhook;
    if (!webhookOptions) return;
    const [first] = webhookOptions.fixtures;
    const handler = (): WebhookHandler => {
      const { webhook } = createChannelUnderTest(options);
      if (!webhook) throw new Error(`${type} declares Webhook but has no webhook handler`);
      return webhook;
    };
    const signed = (fixture: ConformanceFixture, timestampSeconds = NOW_SECONDS): WebhookRequest => {
      const rawBody = toBytes(fixture.body);
      return webhookRequest(type, rawBody, webhookOptions.sign(rawBody, { timestampSeconds }), RECEIVED_AT);
    };

    for (const fixture of webhookOptions.fixtures) {
      it(`verifies and parses ${fixture.name} into valid events`, () => {
        const webhook = handler();
        const req = signed(fixture);
        expect(webhook.verify(req)).toEqual({ ok: true });
        const result = webhook.parse(req);
        if (result.response) expect(result.response.status).toBeGreaterThanOrEqual(200);
        for (const event of result.events) expectValidEvent(event, type);
      });
    }

    it('turns at least one fixture into a message', () => {
      const webhook = handler();
      const kinds = webhookOptions.fixtures.flatMap((fixture) =>
        webhook.parse(signed(fixture)).events.map((event) => event.kind),
      );
      expect(kinds).toContain('message');
    });

    if (!first) return;

    it('refuses a forged signature and a tampered body', () => {
      const webhook = handler();
      const good = signed(first);
      const otherBody = new Uint8Array([...good.rawBody, 0x20]);
      const forged = {
        ...good,
        headers: { ...good.headers, ...webhookOptions.sign(otherBody, { timestampSeconds: NOW_SECONDS }) },
      };
      expect(webhook.verify(forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
      expect(webhook.verify({ ...good, rawBody: otherBody })).toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    });

    it('refuses a timestamp 301 s in the past or the future', () => {
      const webhook = handler();
      for (const offset of [-301, 301]) {
        expect(webhook.verify(signed(first, NOW_SECONDS + offset)), `${offset} s`).toMatchObject({
          ok: false,
          reason: 'stale_timestamp',
        });
      }
    });

    it('refuses missing or repeated signature headers without throwing', () => {
      const webhook = handler();
      const good = signed(first);
      const signatureHeaders = Object.keys(
        webhookOptions.sign(good.rawBody, { timestampSeconds: NOW_SECONDS }),
      );
      const variants: WebhookRequest['headers'][] = [{}];
      for (const name of signatureHeaders) {
        const { [name]: value, ...rest } = good.headers;
        variants.push(rest, { ...rest, [name]: [String(value), String(value)] }, { ...rest, [name]: '' });
      }
      for (const headers of variants) {
        const req = { ...good, headers };
        expect(() => webhook.verify(req), JSON.stringify(headers)).not.toThrow();
        expect(webhook.verify(req).ok, JSON.stringify(headers)).toBe(false);
      }
      expect(webhook.verify({ ...good, headers: {} })).toMatchObject({
        ok: false,
        reason: 'missing_signature',
      });
    });
  });
}

function expectValidEvent(event: InboundEvent, type: string): void {
  expect(event.eventId).toEqual(expect.any(String));
  expect(event.eventId.length).toBeGreaterThan(0);
  if (event.kind !== 'message') return;
  const message = parseInboundMessage(event.message);
  expect(message.source.channelType).toBe(type);
  expect(message.source.installationId).toBe(CONFORMANCE_INSTALLATION_ID);
}
