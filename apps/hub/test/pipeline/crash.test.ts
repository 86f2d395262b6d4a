import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, createStores, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase, postgresTestUrl } from '@switchboard/db/testing';
import { signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubProcess, killHard, startHubProcess } from '../support/hub-process.js';
import { seedSlackWorkspace } from '../support/seed-slack.js';
import { eventually, SIGNING_SECRET, slackMessage } from '../support/slack-scenario.js';

const EVENTS = 2_400;
const KILL_AFTER_ACKS = 700;
const SENDERS = 32;

// Killing a process that holds the database needs a server that outlives it: PostgreSQL only.
describe.skipIf(!postgresTestUrl())('crash during a burst [postgres]', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let agent: FakeAgent;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let installationId: string;
  const hubs: HubProcess[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase('sb_crash');
    agent = await startFakeAgent();
    slack = await startFakeSlack();
    dataDir = await mkdtemp(join(tmpdir(), 'sb-crash-'));
    const key = generateSecretKey();
    const db = await openDatabase({ url: database.url });
    await applyMigrations({ adapterFactory: db.adapterFactory });
    const stores = createStores(db.prisma, SecretBox.fromSpec(key));
    ({ installationId } = await seedSlackWorkspace(stores, {
      slug: 'crash',
      agentUrl: agent.url,
      agentSecret: agent.secret,
      slackApiUrl: slack.url,
      appId: 'A0CRASH01',
      teamId: 'T0TEAM001',
      botUserId: 'U0BOT0001',
      signingSecret: SIGNING_SECRET,
      boundSenders: Array.from({ length: SENDERS }, (_, lane) => `U0SEND${lane}`),
    }));
    await db.close();
    env = {
      ...process.env,
      DATABASE_URL: database.url,
      SWITCHBOARD_SECRET_KEY: key,
      SWITCHBOARD_DATA_DIR: dataDir,
      // Claims of the killed process are taken over quickly instead of after minutes.
      SWITCHBOARD_INBOX_STALE_MS: '1500',
      SWITCHBOARD_DELIVERY_BACKOFF_MS: '50',
      SWITCHBOARD_DELIVERY_BACKOFF_MAX_MS: '200',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    for (const hub of hubs) await killHard(hub);
    await agent?.close();
    await slack?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers every acknowledged event after a SIGKILL in the middle of the burst', async () => {
    const first = await startHubProcess(['--port', '0'], env);
    hubs.push(first);
    const acked = new Set<string>();
    let next = 0;
    let killed: Promise<void> | undefined;

    // SENDERS concurrent "platforms" post signed events as fast as the hub answers.
    const sender = async (lane: number) => {
      while (next < EVENTS) {
        const index = next++;
        const eventId = `Ev0CRASH${String(index).padStart(5, '0')}`;
        const body = JSON.stringify(
          slackMessage({
            eventId,
            user: `U0SEND${lane}`,
            channel: `D0LANE${lane}`,
            text: `message ${index}`,
            appId: 'A0CRASH01',
          }),
        );
        try {
          const res = await fetch(`${first.url}/hooks/${installationId}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) },
            body,
          });
          await res.arrayBuffer();
          if (res.status === 200) acked.add(eventId);
        } catch {
          // The hub is gone: this event was never acknowledged, so the platform would retry it.
        }
        if (acked.size >= KILL_AFTER_ACKS && !killed) killed = killHard(first);
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, (_, lane) => sender(lane)));
    await killed;
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acked.size).toBeLessThan(EVENTS);

    const second = await startHubProcess(['--port', '0'], env);
    hubs.push(second);
    const deliveredEvents = () => {
      const ids = new Set<string>();
      const done = agent.delivered();
      for (const delivery of agent.deliveries) {
        if (done.has(delivery.deliveryId))
          ids.add(`Ev0CRASH${String(delivery.body.message.text).slice(8).padStart(5, '0')}`);
      }
      return ids;
    };
    await eventually(() => ([...acked].every((id) => deliveredEvents().has(id)) ? true : undefined), 120_000);
    const deliveryIds = agent.delivered();
    const missing = [...acked].filter((id) => !deliveredEvents().has(id));
    expect(missing).toEqual([]);
    // One stable delivery id per event: repeats after the crash reuse it.
    expect(deliveryIds.size).toBe(deliveredEvents().size);
  }, 240_000);
});
