import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnknownInstallationLimiter } from '../../src/ingress/unknown-rate-limit.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

describe('unknown-installation limiter', () => {
  it('allows a burst per source, then refills at its rate, and keeps sources apart', () => {
    let now = 0;
    const limiter = new UnknownInstallationLimiter({ burst: 3, perSecond: 1, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('198.51.100.1'))).toEqual([true, true, true, false]);
    expect(limiter.take('198.51.100.2')).toBe(true);
    now += 1_000;
    expect(limiter.take('198.51.100.1')).toBe(true);
    expect(limiter.take('198.51.100.1')).toBe(false);
  });

  it('forgets the oldest sources when full, so the table stays bounded', () => {
    const limiter = new UnknownInstallationLimiter({ burst: 1, maxSources: 2, now: () => 0 });
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('b')).toBe(true);
    expect(limiter.take('c')).toBe(true);
    // `a` was forgotten: it starts a fresh bucket.
    expect(limiter.take('a')).toBe(true);
  });
});

describe.each(testDatabaseKinds())('webhooks for unknown installations [%s]', (kind) => {
  let hub: HubFixture;
  beforeAll(async () => {
    // A fixed clock: no token comes back while the test runs.
    hub = await startHubFixture(kind, {
      workers: false,
      unknownLimiter: new UnknownInstallationLimiter({ burst: 20, now: () => 0 }),
    });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('answer 404, then 429 for a source that keeps guessing, and never write a row', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 25; n++) {
      const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      statuses.push((await hub.request('POST', `/hooks/${id}`, { raw: '{"type":"event_callback"}' })).status);
    }
    expect(statuses.slice(0, 20).every((status) => status === 404)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
    expect(await hub.database.db.prisma.channelInboundAudit.count()).toBe(0);
    expect(await hub.database.db.prisma.channelInboundMessageDedup.count()).toBe(0);
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toContain('switchboard_inbound_rejected_total{code="unknown_installation"} 20');
    expect(metrics.text).toContain('switchboard_inbound_rejected_total{code="rate_limited"} 5');
  });
});
