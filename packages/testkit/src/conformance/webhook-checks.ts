import {
  Capability,
  has,
  type InboundEvent,
  parseInboundMessage,
  type WebhookHandler,
  type WebhookRequest,
} from '@switchboard/core';
import { HUB_SIGNATURE_256_HEADER, signHubSignature256 } from '@switchboard/signing';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_INSTALLATION_ID, createChannelUnderTest, toBytes, webhookRequest } from './harness.js';
import {
  type ChallengeVerification,
  type ChannelConformanceOptions,
  type ConformanceFixture,
  type HmacVerification,
  verificationOf,
  type WebhookVerification,
} from './options.js';

/** Fixed, so no check depends on the wall clock. */
export const RECEIVED_AT = new Date('2025-03-14T09:26:53.000Z');
const NOW_SECONDS = Math.floor(RECEIVED_AT.getTime() / 1000);

/** Headers that sign `rawBody` in the declared style (fresh, and delivery `deliveryId` if it has one). */
export function signatureHeaders(
  verification: WebhookVerification,
  rawBody: Uint8Array,
  options: { timestampSeconds?: number; deliveryId?: string } = {},
): Record<string, string> {
  if (verification.style === 'timestamped-hmac') {
    return verification.sign(rawBody, { timestampSeconds: options.timestampSeconds ?? NOW_SECONDS });
  }
  return {
    ...verification.deliveryHeaders?.(options.deliveryId ?? 'delivery-1'),
    [verification.header ?? HUB_SIGNATURE_256_HEADER]: signHubSignature256(verification.secret, rawBody),
  };
}

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
    const verification = verificationOf(webhookOptions);
    const [first] = webhookOptions.fixtures;
    const handler = (): WebhookHandler => {
      const { webhook } = createChannelUnderTest(options);
      if (!webhook) throw new Error(`${type} declares Webhook but has no webhook handler`);
      return webhook;
    };
    const signed = (
      fixture: ConformanceFixture,
      signOptions: { timestampSeconds?: number; deliveryId?: string } = {},
    ): WebhookRequest => {
      const rawBody = toBytes(fixture.body);
      return webhookRequest(type, rawBody, signatureHeaders(verification, rawBody, signOptions), RECEIVED_AT);
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

    it(`refuses a forged signature and a tampered body (${verification.style})`, () => {
      const webhook = handler();
      const good = signed(first);
      const otherBody = new Uint8Array([...good.rawBody, 0x20]);
      const forged = { ...good, headers: { ...good.headers, ...signatureHeaders(verification, otherBody) } };
      expect(webhook.verify(forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
      expect(webhook.verify({ ...good, rawBody: otherBody })).toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    });

    if (verification.style === 'timestamped-hmac') {
      it('refuses a timestamp 301 s in the past or the future', () => {
        const webhook = handler();
        for (const offset of [-301, 301]) {
          expect(
            webhook.verify(signed(first, { timestampSeconds: NOW_SECONDS + offset })),
            `${offset} s`,
          ).toMatchObject({ ok: false, reason: 'stale_timestamp' });
        }
      });
    } else {
      describeDeliveryDedup(verification, handler, () => webhookOptions.fixtures, signed);
    }

    it('refuses missing or repeated signature headers without throwing', () => {
      const webhook = handler();
      const good = signed(first);
      const signatureNames = Object.keys(signatureHeaders(verification, good.rawBody)).filter(
        (name) =>
          verification.style === 'timestamped-hmac' ||
          name === (verification.header ?? HUB_SIGNATURE_256_HEADER),
      );
      const variants: WebhookRequest['headers'][] = [{}];
      for (const name of signatureNames) {
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

    if (webhookOptions.challenge) describeChallengeChecks(webhookOptions.challenge, handler, type);
  });
}

/** Without a timestamp a captured request verifies forever: only dedup on the delivery stops a replay. */
function describeDeliveryDedup(
  verification: HmacVerification,
  handler: () => WebhookHandler,
  fixtures: () => ConformanceFixture[],
  signed: (fixture: ConformanceFixture, options?: { deliveryId?: string }) => WebhookRequest,
): void {
  const eventIds = (req: WebhookRequest) =>
    handler()
      .parse(req)
      .events.map((event) => event.eventId);

  it('gives a redelivery the same event ids, so the hub records it once', () => {
    for (const fixture of fixtures()) {
      const req = signed(fixture, { deliveryId: 'delivery-1' });
      expect(handler().verify(req)).toEqual({ ok: true });
      expect(eventIds(req), fixture.name).toEqual(eventIds(signed(fixture, { deliveryId: 'delivery-1' })));
    }
  });

  if (verification.deliveryHeaders) {
    it('gives another delivery id other event ids', () => {
      for (const fixture of fixtures()) {
        const once = eventIds(signed(fixture, { deliveryId: 'delivery-1' }));
        const other = eventIds(signed(fixture, { deliveryId: 'delivery-2' }));
        for (const id of once) expect(other, fixture.name).not.toContain(id);
      }
    });
  }
}

function describeChallengeChecks(
  challenge: ChallengeVerification,
  handler: () => WebhookHandler,
  type: string,
): void {
  const get = (query: Record<string, string>): WebhookRequest => ({
    method: 'GET',
    path: `/webhooks/${type}`,
    headers: {},
    query,
    rawBody: new Uint8Array(),
    receivedAt: RECEIVED_AT,
  });

  describe('GET verification challenge', () => {
    it('answers the challenge for the configured verify token, with no events', () => {
      const webhook = handler();
      const req = get(challenge.query(challenge.verifyToken, 'challenge-8f1d'));
      expect(webhook.verify(req)).toEqual({ ok: true });
      const result = webhook.parse(req);
      expect(result.events).toEqual([]);
      expect(result.response?.status).toBe(200);
      expect(JSON.stringify(result.response?.body)).toContain('challenge-8f1d');
    });

    it('refuses another verify token and a bare GET without throwing', () => {
      const webhook = handler();
      expect(webhook.verify(get(challenge.query(`${challenge.verifyToken}-wrong`, 'c')))).toMatchObject({
        ok: false,
        reason: 'bad_token',
      });
      expect(() => webhook.verify(get({}))).not.toThrow();
      expect(webhook.verify(get({})).ok).toBe(false);
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
