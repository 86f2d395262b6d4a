import { applyMigrations, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase, postgresTestUrl } from '@switchboard/db/testing';
import { signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { testChannelRegistry } from '../support/channels.js';
import { LOCAL_EGRESS } from '../support/hub-fixture.js';
import { type OrderCheckingAgent, startOrderCheckingAgent } from '../support/order-checking-agent.js';
import { seedSlackWorkspace } from '../support/seed-slack.js';
import { eventually, SIGNING_SECRET, slackMessage } from '../support/slack-scenario.js';

const CONVERSATIONS = 24;
const MESSAGES = 8;
const REPLICAS = 3;

// Replicas need a shared server: several hubs on one PostgreSQL database.
describe.skipIf(!postgresTestUrl())('per-conversation order under concurrency [postgres]', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const runtimes: HubRuntime[] = [];
  const apps: FastifyInstance[] = [];
  let agent: OrderCheckingAgent;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  let installationId: string;

  beforeAll(async () => {
    created = await createPostgresDatabase('sb_order_property');
    const direct = await openDatabase({ url: created.url });
    await applyMigrations({ adapterFactory: direct.adapterFactory });
    await direct.close();
    agent = await startOrderCheckingAgent({ failureRate: 0.25 });
    slack = await startFakeSlack();
    const key = generateSecretKey();
    for (let i = 0; i < REPLICAS; i++) {
      runtimes.push(
        createHubRuntime({
          database: await openDatabase({ url: created.url, poolSize: 4 }),
          secrets: SecretBox.fromSpec(key),
          registry: testChannelRegistry(),
        }),
      );
    }
    const senders = Array.from({ length: CONVERSATIONS }, (_, c) => `U0SEND${String(c).padStart(3, '0')}`);
    ({ installationId } = await seedSlackWorkspace((runtimes[0] as HubRuntime).stores, {
      slug: 'order',
      agentUrl: agent.url,
      slackApiUrl: slack.url,
      appId: 'A0ORDER01',
      teamId: 'T0TEAM001',
      botUserId: 'U0BOT0001',
      signingSecret: SIGNING_SECRET,
      boundSenders: senders,
    }));
    for (const runtime of runtimes) {
      const { app } = await buildHub({
        runtime,
        egress: LOCAL_EGRESS,
        logger: createLogger({ level: 'silent' }),
        pipeline: {
          idlePollMs: 20,
          workerConcurrency: 6,
          // Random failures must not open the circuit; this test is about order, not outages.
          delivery: { backoff: { baseMs: 5, maxMs: 40 }, circuit: { failureThreshold: 1_000_000 } },
        },
      });
      await app.ready();
      apps.push(app);
    }
  }, 60_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const runtime of runtimes) await runtime.close();
    await created?.drop();
    await agent?.close();
    await slack?.close();
  });

  it('never lets a later message of a conversation overtake an earlier one', async () => {
    // One writer per conversation sends its messages one after another, each to a random replica;
    // all conversations write at once, so inbox batches mix them.
    const writer = async (c: number) => {
      for (let m = 0; m < MESSAGES; m++) {
        const app = apps[Math.floor(Math.random() * apps.length)] as FastifyInstance;
        const body = JSON.stringify(
          slackMessage({
            eventId: `Ev0C${c}M${m}`,
            appId: 'A0ORDER01',
            user: `U0SEND${String(c).padStart(3, '0')}`,
            channel: `D0CONV${String(c).padStart(3, '0')}`,
            text: `c${c}#${m}`,
          }),
        );
        const answer = await app.inject({
          method: 'POST',
          url: `/hooks/${installationId}`,
          headers: { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) },
          payload: body,
        });
        expect(answer.statusCode).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: CONVERSATIONS }, (_, c) => writer(c)));
    await eventually(() => (agent.acceptedCount() === CONVERSATIONS * MESSAGES ? true : undefined), 120_000);
    expect(agent.violations).toBe(0);
    for (const [, indexes] of agent.accepted) expect(indexes).toEqual([...Array(MESSAGES).keys()]);
    // The random failures really happened and were retried.
    expect(agent.requests).toBeGreaterThan(CONVERSATIONS * MESSAGES);
  }, 180_000);
});
