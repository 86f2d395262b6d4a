import { generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { postgresTestUrl } from '@switchboard/db/testing';
import { signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { testChannelRegistry } from '../support/channels.js';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { FAST_PIPELINE, LOCAL_EGRESS } from '../support/hub-fixture.js';
import { seedSlackWorkspace } from '../support/seed-slack.js';
import { eventually, SIGNING_SECRET, slackMessage } from '../support/slack-scenario.js';
import { postgresBehindProxy, type TcpProxy } from '../support/tcp-proxy.js';

// An outage needs a server to lose: PGlite runs in-process, so this suite is PostgreSQL-only.
describe.skipIf(!postgresTestUrl())('ingress during a database outage [postgres]', () => {
  let database: Awaited<ReturnType<typeof postgresBehindProxy>>;
  let proxy: TcpProxy;
  let runtime: HubRuntime;
  let app: FastifyInstance;
  let agent: FakeAgent;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  let installationId: string;

  beforeAll(async () => {
    database = await postgresBehindProxy('sb_ingress_outage');
    proxy = database.proxy;
    runtime = createHubRuntime({
      database: await openDatabase({ url: database.url, poolSize: 4 }),
      secrets: SecretBox.fromSpec(generateSecretKey()),
      registry: testChannelRegistry(),
    });
    agent = await startFakeAgent();
    slack = await startFakeSlack();
    ({ installationId } = await seedSlackWorkspace(runtime.stores, {
      slug: 'outage',
      agentUrl: agent.url,
      slackApiUrl: slack.url,
      appId: 'A0OUTAGE1',
      teamId: 'T0TEAM001',
      botUserId: 'U0BOT0001',
      signingSecret: SIGNING_SECRET,
      boundSenders: ['U0ALICE01'],
    }));
    ({ app } = await buildHub({
      runtime,
      logger: createLogger({ level: 'silent' }),
      pipeline: { ...FAST_PIPELINE, staleClaimMs: 3_000 },
      egress: LOCAL_EGRESS,
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

  const post = (eventId: string) => {
    const body = JSON.stringify(
      slackMessage({ eventId, user: 'U0ALICE01', text: eventId, appId: 'A0OUTAGE1' }),
    );
    return app.inject({
      method: 'POST',
      url: `/hooks/${installationId}`,
      headers: { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) },
      payload: body,
    });
  };

  it('answers 503 while the database is down and loses nothing it acknowledged', async () => {
    // The agent is still answering the first event when the database goes away, so the worker
    // must settle it during the outage.
    agent.next({ status: 200, delayMs: 500 });
    expect((await post('Ev0BEFORE1')).statusCode).toBe(200);
    await eventually(() => (agent.deliveries.length > 0 ? true : undefined));
    await proxy.cut();
    const during = await post('Ev0DURING1');
    expect(during.statusCode).toBe(503);
    expect(during.json().error.code).toBe('service_unavailable');
    await proxy.restore();
    // A claim whose commit answer was lost in the cut is recovered by the stale window (3 s here).
    // The platform retries what was not acknowledged.
    await eventually(async () => ((await post('Ev0DURING1')).statusCode === 200 ? true : undefined));
    const delivered = await eventually(() => {
      const texts = new Set(agent.deliveries.map((d) => d.body.message.text));
      return texts.has('Ev0BEFORE1') && texts.has('Ev0DURING1') ? texts : undefined;
    }, 60_000);
    expect(delivered.size).toBe(2);
  }, 120_000);
});
