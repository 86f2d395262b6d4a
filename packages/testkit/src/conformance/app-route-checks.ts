import {
  type AppRoute,
  type InboundEvent,
  parseInboundMessage,
  secretKeys,
  validateConfig,
  type WebhookRequest,
} from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { toBytes, webhookRequest } from './harness.js';
import type { ChannelConformanceOptions } from './options.js';
import { RECEIVED_AT, signatureHeaders } from './webhook-checks.js';

const UNKNOWN_KEY = 'conformance-unknown-installation';

/**
 * App-level routing (`/hooks/app/{type}/{appKey}`): one request of the app verifies with the app
 * secret every installation shares, and splits into one target per installation key, each with
 * only its own events stamped with the installation id the hub passes in.
 */
export function describeAppRouteChecks<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
): void {
  const { factory } = options;
  describe('app-level route', () => {
    it('has an appRoute option iff the factory declares an app route', () => {
      expect(options.appRoute !== undefined).toBe(factory.appRoute !== undefined);
    });
    const routeOptions = options.appRoute;
    const route = factory.appRoute as AppRoute<C> | undefined;
    if (!routeOptions || !route) return;
    const [firstInput, secondInput] = routeOptions.installations;
    const first = validateConfig(factory, firstInput);
    const second = validateConfig(factory, secondInput);
    const keyOf = (config: C) => String(config[route.installationKeyField]);
    const signed = (body: Uint8Array): WebhookRequest =>
      webhookRequest(factory.type, body, signatureHeaders(routeOptions.verification, body), RECEIVED_AT);

    it('keys installations by public config fields: one app key, one installation key each', () => {
      const secret = new Set(secretKeys(factory.configSchema));
      expect(secret.has(route.appKeyField)).toBe(false);
      expect(secret.has(route.installationKeyField)).toBe(false);
      expect(first[route.appKeyField]).toEqual(expect.any(String));
      expect(first[route.appKeyField]).toBe(second[route.appKeyField]);
      expect(keyOf(first)).not.toBe(keyOf(second));
    });

    it('verifies a batch with either installation and splits it per installation key', () => {
      const body = toBytes(routeOptions.batch([keyOf(first), keyOf(second), UNKNOWN_KEY]));
      const req = signed(body);
      expect(route.verify(req, first)).toEqual({ ok: true });
      expect(route.verify(req, second)).toEqual({ ok: true });
      const { targets } = route.route(req, first);
      expect(targets.map((target) => target.installationKey).sort()).toEqual(
        [keyOf(first), keyOf(second), UNKNOWN_KEY].sort(),
      );
      const seen = new Set<string>();
      for (const target of targets) {
        const events = target.events(`installation-of-${target.installationKey}`);
        expect(events.length, target.installationKey).toBeGreaterThan(0);
        for (const event of events) {
          expectStamped(event, factory.type, `installation-of-${target.installationKey}`);
          expect(seen.has(event.eventId), `event ${event.eventId} is in two targets`).toBe(false);
          seen.add(event.eventId);
        }
      }
    });

    it('refuses a forged signature and a tampered body', () => {
      const body = toBytes(routeOptions.batch([keyOf(first)]));
      const good = signed(body);
      const tampered = new Uint8Array([...body, 0x20]);
      const forged = {
        ...good,
        headers: { ...good.headers, ...signatureHeaders(routeOptions.verification, tampered) },
      };
      expect(route.verify(forged, first)).toMatchObject({ ok: false, reason: 'bad_signature' });
      expect(route.verify({ ...good, rawBody: tampered }, first)).toMatchObject({ ok: false });
      expect(() => route.verify({ ...good, headers: {} }, first)).not.toThrow();
      expect(route.verify({ ...good, headers: {} }, first).ok).toBe(false);
    });

    const challenge = routeOptions.challenge;
    if (challenge) {
      it('answers a GET challenge for the verify token with no targets, and refuses another', () => {
        const get = (query: Record<string, string>): WebhookRequest => ({
          ...webhookRequest(factory.type, new Uint8Array(), {}, RECEIVED_AT),
          method: 'GET',
          query,
        });
        const req = get(challenge.query(challenge.verifyToken, 'challenge-51c2'));
        expect(route.verify(req, first)).toEqual({ ok: true });
        const result = route.route(req, first);
        expect(result.targets).toEqual([]);
        expect(result.response?.status).toBe(200);
        expect(JSON.stringify(result.response?.body)).toContain('challenge-51c2');
        expect(route.verify(get(challenge.query(`${challenge.verifyToken}-x`, 'c')), first)).toMatchObject({
          ok: false,
        });
        expect(route.verify(get({}), first).ok).toBe(false);
      });
    }
  });
}

function expectStamped(event: InboundEvent, type: string, installationId: string): void {
  expect(event.eventId.length).toBeGreaterThan(0);
  if (event.kind !== 'message') return;
  const message = parseInboundMessage(event.message);
  expect(message.source.channelType).toBe(type);
  expect(message.source.installationId).toBe(installationId);
}
