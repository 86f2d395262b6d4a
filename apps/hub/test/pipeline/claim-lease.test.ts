import { generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { postgresTestUrl } from '@switchboard/db/testing';
import { signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import type { Pipeline } from '../../src/pipeline/index.js';
import { defaultPipelineSettings } from '../../src/pipeline/settings.js';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { testChannelRegistry } from '../support/channels.js';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { LOCAL_EGRESS } from '../support/hub-fixture.js';
import { seedSlackWorkspace } from '../support/seed-slack.js';
import { eventually, SIGNING_SECRET, slackMessage } from '../support/slack-scenario.js';
import { postgresBehindProxy } from '../support/tcp-proxy.js';

// Losing a commit answer needs a connection to cut: PostgreSQL behind a proxy only.
describe.skipIf(!postgresTestUrl())('a claim whose commit answer is lost [postgres]', () => {
  let database: Awaited<ReturnType<typeof postgresBehindProxy>>;
  let runtime: HubRuntime;
  let app: FastifyInstance;
  let pipeline: Pipeline;
  let agent: FakeAgent;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  let installationId: string;

  beforeAll(async () => {
    database = await postgresBehindProxy('sb_claim_lease');
    runtime = createHubRuntime({
      database: await openDatabase({ url: database.url, poolSize: 4 }),
      secrets: SecretBox.fromSpec(generateSecretKey()),
      registry: testChannelRegistry(),
    });
    agent = await startFakeAgent();
    slack = await startFakeSlack();
    ({ installationId } = await seedSlackWorkspace(runtime.stores, {
      slug: 'lease',
      agentUrl: agent.url,
      slackApiUrl: slack.url,
      appId: 'A0LEASE01',
      teamId: 'T0TEAM001',
      botUserId: 'U0BOT0001',
      signingSecret: SIGNING_SECRET,
      boundSenders: ['U0ALICE01'],
    }));
    // The production lease and heartbeat; only polling is quicker.
    ({ app, pipeline } = await buildHub({
      runtime,
      egress: LOCAL_EGRESS,
      logger: createLogger({ level: 'silent' }),
      pipeline: { idlePollMs: 50 },
      workers: false,
    }));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await runtime?.close();
    await database?.drop();
    await agent?.close();
    await slack?.close();
  });

  it('is taken over when its lease runs out, seconds later, not after minutes', async () => {
    expect(defaultPipelineSettings('http://hub').staleClaimMs).toBeLessThanOrEqual(10_000);
    const body = JSON.stringify(
      slackMessage({ eventId: 'Ev0LOST001', appId: 'A0LEASE01', user: 'U0ALICE01', text: 'lost answer' }),
    );
    const posted = await app.inject({
      method: 'POST',
      url: `/hooks/${installationId}`,
      headers: { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) },
      payload: body,
    });
    expect(posted.statusCode).toBe(200);
    // The first claim commits in the database, but its worker never learns which rows it holds.
    const lost = database.proxy.loseReplyTo("SET state = 'processing'");
    pipeline.start();
    await lost;
    const delivery = await eventually(
      () => agent.deliveries.find((d) => d.body.message.text === 'lost answer'),
      30_000,
    );
    const [row] = await runtime.database.prisma.$queryRaw<Array<{ attempts: number; state: string }>>`
      SELECT attempts, state::text AS state FROM channel_inbound_message_dedup WHERE platform_event_id = 'Ev0LOST001'`;
    // Attempt 1 was the claim whose answer was lost; attempt 2 delivered it.
    expect(row?.attempts).toBe(2);
    expect(agent.deliveries.filter((d) => d.deliveryId === delivery.deliveryId)).toHaveLength(1);
  }, 60_000);
});
