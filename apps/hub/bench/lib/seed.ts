import { applyMigrations, createStores, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase } from '@switchboard/db/testing';
import pg from 'pg';
import { seedSlackWorkspace } from '../../test/support/seed-slack.js';
import { APP, BOT_USER, SENDERS, SIGNING_SECRET, senderId, TEAM } from './slack-events.js';

export interface BenchDatabase {
  url: string;
  secretKey: string;
  installationId: string;
  /** Rows in the inbox (channel_inbound_message_dedup): one per recorded event. */
  inboxRows(): Promise<number>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated PostgreSQL database holding one workspace, its agent, a Slack installation
 * whose signing secret the load generator knows, and bindings for every sender, so each load
 * event is eligible and goes all the way to the agent.
 */
export async function seedBenchDatabase(
  agent: { url: string; secret: string },
  slackApiUrl: string,
): Promise<BenchDatabase> {
  const created = await createPostgresDatabase('sb_bench');
  const secretKey = generateSecretKey();
  const db = await openDatabase({ url: created.url });
  let installationId: string;
  try {
    await applyMigrations({ adapterFactory: db.adapterFactory });
    const stores = createStores(db.prisma, SecretBox.fromSpec(secretKey));
    ({ installationId } = await seedSlackWorkspace(stores, {
      slug: 'bench',
      agentUrl: agent.url,
      agentSecret: agent.secret,
      slackApiUrl,
      appId: APP,
      teamId: TEAM,
      botUserId: BOT_USER,
      signingSecret: SIGNING_SECRET,
      boundSenders: Array.from({ length: SENDERS }, (_, lane) => senderId(lane)),
    }));
  } finally {
    await db.close();
  }
  const client = new pg.Client({ connectionString: created.url });
  await client.connect();
  return {
    url: created.url,
    secretKey,
    installationId,
    inboxRows: async () => {
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM channel_inbound_message_dedup',
      );
      return Number(rows[0]?.n ?? 0);
    },
    drop: async () => {
      await client.end();
      await created.drop();
    },
  };
}
