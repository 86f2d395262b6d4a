// `pnpm bench:provision`: how long 1,000 concurrent first-contact events from 100 new people
// take to become 100 provisioned users, on PostgreSQL. Two measurements in one run:
//   1. the Provisioner alone: 1,000 concurrent provisionUser calls (10 per person);
//   2. the whole pipeline: 1,000 signed events through ingress, workers, directory profile,
//      provisioning and delivery to an agent.
// Both use the hub's provisioner as the hub wires it (concurrent calls for one person share one
// provisioning). Numbers are printed; the target (< 1 s for 100 users) is reported, not asserted.
import { performance } from 'node:perf_hooks';
import { noopLogger } from '@switchboard/core';
import { applyMigrations, createStores, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase } from '@switchboard/db/testing';
import { startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { buildHub } from '../src/app.js';
import { loadChannelRegistry } from '../src/channels/registry.js';
import { EgressPolicy } from '../src/egress/index.js';
import { NamespaceBook } from '../src/identity/namespaces.js';
import { createProvisioner } from '../src/identity/provisioner.js';
import { singleFlight } from '../src/identity/single-flight.js';
import { createLogger } from '../src/logging/logger.js';
import { createHubRuntime } from '../src/runtime/open-runtime.js';
import { seedSlackWorkspace } from '../test/support/seed-slack.js';
import { startCountingAgent } from './lib/counting-agent.js';
import { slackHeaders } from './lib/slack-events.js';

const PEOPLE = 100;
const EVENTS_PER_PERSON = 10;
const TEAM = 'T0PROV001';
const SIGNING_SECRET = 'provision-bench-secret-01';

process.env.SWITCHBOARD_TEST_POSTGRES_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

async function provisionerAlone(): Promise<number> {
  const created = await createPostgresDatabase('sb_bench_prov');
  const db = await openDatabase({ url: created.url, poolSize: 20 });
  try {
    await applyMigrations({ adapterFactory: db.adapterFactory });
    const stores = createStores(db.prisma, SecretBox.fromSpec(generateSecretKey()));
    const ws = await stores.workspaces.create({ slug: 'bench' });
    const admin = await stores.users.create({ username: 'bench-admin' });
    await stores.members.upsert(ws.id, admin.id, 'owner');
    // The namespaces the configured plugins contribute (slack among them), as the hub has them.
    const namespaces = new NamespaceBook((await loadChannelRegistry()).namespaceRules());
    const provisioner = singleFlight(createProvisioner({ stores, namespaces }, { logger: noopLogger }));
    const calls = [];
    const started = performance.now();
    for (let n = 0; n < EVENTS_PER_PERSON; n++) {
      for (let i = 0; i < PEOPLE; i++) {
        calls.push(
          provisioner.provisionUser({
            workspaceId: ws.id,
            namespace: 'slack',
            externalId: `${TEAM}:U0P${String(i).padStart(5, '0')}`,
            email: `person${i}@bench.test`,
            emailVerified: false,
          }),
        );
      }
    }
    const results = await Promise.all(calls);
    const elapsed = performance.now() - started;
    const users = new Set(results.map((r) => r.userId)).size;
    if (users !== PEOPLE) throw new Error(`expected ${PEOPLE} users, got ${users}`);
    return elapsed;
  } finally {
    await db.close();
    await created.drop();
  }
}

async function throughThePipeline(): Promise<{ firstAckToUsers: number; allDelivered: number }> {
  const created = await createPostgresDatabase('sb_bench_prov');
  const slack = await startFakeSlack({ teamId: TEAM, botUserId: 'U0PROVBOT' });
  const agent = await startCountingAgent();
  const database = await openDatabase({ url: created.url, poolSize: 20 });
  await applyMigrations({ adapterFactory: database.adapterFactory });
  const runtime = createHubRuntime({
    database,
    secrets: SecretBox.fromSpec(generateSecretKey()),
    registry: await loadChannelRegistry(),
  });
  const { stores } = runtime;
  const { installationId } = await seedSlackWorkspace(stores, {
    slug: 'bench',
    agentUrl: agent.url,
    agentSecret: agent.secret,
    slackApiUrl: slack.url,
    appId: 'A0PROV001',
    teamId: TEAM,
    botUserId: 'U0PROVBOT',
    signingSecret: SIGNING_SECRET,
    extraConfig: { auto_provision: true },
  });
  for (let i = 0; i < PEOPLE; i++) {
    const id = `U0P${String(i).padStart(5, '0')}`;
    slack.users.set(id, {
      id,
      team_id: TEAM,
      profile: { email: `person${i}@bench.test`, display_name: `P ${i}` },
    });
  }
  const { app } = await buildHub({
    runtime,
    logger: createLogger({ level: 'warn' }),
    // The counting agent listens on loopback.
    egress: new EgressPolicy({ allow: ['127.0.0.1'] }),
    rateLimit: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/${installationId}`;
  try {
    const bodies: string[] = [];
    for (let n = 0; n < EVENTS_PER_PERSON; n++) {
      for (let i = 0; i < PEOPLE; i++) {
        const ts = `1760000000.${String(n * PEOPLE + i).padStart(6, '0')}`;
        bodies.push(
          JSON.stringify({
            type: 'event_callback',
            team_id: TEAM,
            api_app_id: 'A0PROV001',
            event_id: `Ev0PROV${i}x${n}`,
            event_time: 1_760_000_000,
            event: {
              type: 'app_mention',
              user: `U0P${String(i).padStart(5, '0')}`,
              team: TEAM,
              channel: `C0P${i}X${n}`,
              text: '<@U0PROVBOT> hello',
              ts,
              event_ts: ts,
            },
          }),
        );
      }
    }
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++] as string;
          const res = await fetch(url, { method: 'POST', headers: slackHeaders(SIGNING_SECRET, body), body });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`hub answered ${res.status}`);
        }
      }),
    );
    let usersAt = 0;
    for (;;) {
      const count = await database.prisma.identity.count({ where: { namespace: 'slack' } });
      if (count >= PEOPLE && usersAt === 0) usersAt = performance.now();
      if (agent.distinct() >= PEOPLE * EVENTS_PER_PERSON) break;
      if (performance.now() - started > 300_000) throw new Error('the pipeline did not finish in 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { firstAckToUsers: usersAt - started, allDelivered: agent.lastAt() - started };
  } finally {
    await app.close();
    await runtime.close();
    await slack.close();
    await agent.close();
    await created.drop();
  }
}

const alone = await provisionerAlone();
const pipeline = await throughThePipeline();
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`\n${PEOPLE} new people x ${EVENTS_PER_PERSON} concurrent first-contact events, PostgreSQL`);
console.log(`  provisioner alone, 1,000 concurrent calls -> 100 users   ${fmt(alone)}`);
console.log(`  pipeline, first request -> 100 users provisioned        ${fmt(pipeline.firstAckToUsers)}`);
console.log(`  pipeline, first request -> all 1,000 events delivered   ${fmt(pipeline.allDelivered)}`);
console.log(
  `  target: 100 users in < 1 s -> provisioner ${alone < 1000 ? 'met' : 'missed'}, pipeline ${pipeline.firstAckToUsers < 1000 ? 'met' : 'missed'}`,
);
process.exit(0);
