import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('retention job [%s]', (kind) => {
  let hub: HubFixture;

  beforeAll(async () => {
    // The scheduled job runs every 100 ms here; nothing in the test calls it directly.
    hub = await startHubFixture(kind, {
      pipeline: {
        retentionIntervalMs: 100,
        retention: { inboxMs: 60_000, auditMs: 120_000, outboundMs: 60_000 },
      },
    });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('purges old inbox rows, old audit rows, expired binding tokens and finished delivery claims on its schedule, and keeps the rest', async () => {
    const prisma = hub.runtime.database.prisma;
    const installationId = '00000000-0000-4000-8000-0000000000aa';
    await prisma.$executeRaw`
      INSERT INTO channel_inbound_message_dedup
        (installation_id, channel_type, platform_event_id, state, first_seen_at, claim_token, claimed_at)
      VALUES (${installationId}::uuid, 'echo', 'old-done', 'done', now() - interval '2 minutes', NULL, NULL),
             (${installationId}::uuid, 'echo', 'old-claimed', 'processing', now() - interval '2 minutes', 'w1', now()),
             (${installationId}::uuid, 'echo', 'fresh-done', 'done', now(), NULL, NULL)`;
    await prisma.$executeRaw`
      INSERT INTO channel_inbound_audit (reason, created_at)
      VALUES ('duplicate', now() - interval '3 minutes'), ('delivered', now())`;
    await prisma.$executeRaw`
      INSERT INTO channel_binding_token (id, token_hash, installation_id, channel_type, channel_user_id, expires_at)
      VALUES (gen_random_uuid(), 'expired-hash', ${installationId}::uuid, 'echo', 'U1', now() - interval '1 second'),
             (gen_random_uuid(), 'live-hash', ${installationId}::uuid, 'echo', 'U2', now() + interval '10 minutes')`;
    await prisma.$executeRaw`
      INSERT INTO webhook_delivery_claim (installation_id, delivery_id, claimed_at, finished_at)
      VALUES (${installationId}::uuid, 'old-finished', now() - interval '2 minutes', now() - interval '2 minutes'),
             (${installationId}::uuid, 'old-unfinished', now() - interval '2 minutes', NULL),
             (${installationId}::uuid, 'fresh-finished', now(), now())`;

    await eventually(async () => ((await prisma.channelBindingToken.count()) === 1 ? true : undefined));
    await eventually(async () => ((await prisma.webhookDeliveryClaim.count()) === 2 ? true : undefined));
    const claims = await prisma.webhookDeliveryClaim.findMany({ orderBy: { deliveryId: 'asc' } });
    expect(claims.map((row) => row.deliveryId)).toEqual(['fresh-finished', 'old-unfinished']);
    await eventually(async () => ((await prisma.channelInboundAudit.count()) === 1 ? true : undefined));
    expect((await prisma.channelInboundAudit.findFirst())?.reason).toBe('delivered');
    const inbox = await prisma.channelInboundMessageDedup.findMany({ orderBy: { platformEventId: 'asc' } });
    // Unfinished work is never purged, however old.
    expect(inbox.map((row) => row.platformEventId)).toEqual(['fresh-done', 'old-claimed']);
    expect((await prisma.channelBindingToken.findFirst())?.tokenHash).toBe('live-hash');
    expect(hub.pipeline.retention.runs).toBeGreaterThan(0);
  });
});
