import { applyMigrations, createStores, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase } from '@switchboard/db/testing';
import pg from 'pg';
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
    const workspace = await stores.workspaces.create({ slug: 'bench' });
    const user = await stores.users.create({ username: 'bench-user' });
    await stores.members.upsert(workspace.id, user.id, 'owner');
    const agentRecord = await stores.agents.create({
      workspaceId: workspace.id,
      name: 'assistant',
      deliveryUrl: agent.url,
      deliverySecret: agent.secret,
    });
    const installation = await stores.installations.create({
      workspaceId: workspace.id,
      agentId: agentRecord.id,
      channelType: 'slack',
      config: { app_id: APP, team_id: TEAM, bot_user_id: BOT_USER, api_base_url: slackApiUrl },
      secrets: { signing_secret: SIGNING_SECRET, bot_token: 'xoxb-bench' },
    });
    installationId = installation.id;
    for (let lane = 0; lane < SENDERS; lane++) {
      await stores.bindings.bind({
        installationId,
        channelType: 'slack',
        channelUserId: senderId(lane),
        userId: user.id,
      });
    }
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
