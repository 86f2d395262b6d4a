import { applyMigrations, createStores, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase } from '@switchboard/db/testing';
import pg from 'pg';
import { seedSlackWorkspace } from '../../test/support/seed-slack.js';
import { FS_APP_ID, FS_APP_SECRET, FS_SENDERS, FS_TENANT, feishuSender } from './feishu-events.js';
import { APP, BOT_USER, SENDERS, SIGNING_SECRET, senderId, TEAM } from './slack-events.js';
import {
  WA_APP_ID,
  WA_APP_SECRET,
  WA_PHONE_NUMBER_ID,
  WA_SENDERS,
  WA_WABA_ID,
  waSender,
} from './whatsapp-events.js';

export interface BenchDatabase {
  url: string;
  secretKey: string;
  installationId: string;
  /** The WhatsApp number of the same workspace and agent (the app route's target). */
  whatsappInstallationId: string;
  /** Rows in the inbox (channel_inbound_message_dedup): one per recorded event. */
  inboxRows(): Promise<number>;
  /**
   * Marks every undelivered inbox row done and returns how many: a run that measures delivery
   * must not first drain what an earlier run left (the workers-off run delivers nothing).
   */
  discardBacklog(): Promise<number>;
  /**
   * Adds a Feishu installation (long connection to `apiBaseUrl`) to the same workspace and agent,
   * its senders bound; only the Feishu run needs it, so the other runs keep no connection open.
   */
  addFeishuInstallation(apiBaseUrl: string): Promise<string>;
  /**
   * A writer of more installations of the same Feishu app (one per tenant, each with its own agent,
   * on a long connection to `apiBaseUrl`, no bindings): the long-connection scale run adds them
   * while replicas run.
   */
  openFeishuTenants(
    apiBaseUrl: string,
  ): Promise<{ add(tenantKey: string): Promise<string>; close(): Promise<void> }>;
  /** A read on the bench database (lease and status counts). */
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
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
  let whatsappInstallationId: string;
  let workspaceId: string;
  let ownerId: string;
  let agentId: string;
  try {
    await applyMigrations({ adapterFactory: db.adapterFactory });
    const stores = createStores(db.prisma, SecretBox.fromSpec(secretKey));
    ({ installationId, workspaceId, ownerId } = await seedSlackWorkspace(stores, {
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
    const [seededAgent] = await stores.agents.list(workspaceId);
    if (!seededAgent) throw new Error('the seeded workspace has no agent');
    agentId = seededAgent.id;
    const whatsapp = await stores.installations.create({
      workspaceId,
      agentId: seededAgent.id,
      channelType: 'whatsapp',
      // Senders are bound below, so nothing is sent to the Graph API; the URL only has to parse.
      config: {
        app_id: WA_APP_ID,
        phone_number_id: WA_PHONE_NUMBER_ID,
        waba_id: WA_WABA_ID,
        api_base_url: slackApiUrl,
      },
      secrets: {
        access_token: 'EAAG-bench-token',
        app_secret: WA_APP_SECRET,
        verify_token: 'bench-verify-0001',
      },
    });
    whatsappInstallationId = whatsapp.id;
    for (let lane = 0; lane < WA_SENDERS; lane++) {
      await stores.bindings.bind({
        installationId: whatsapp.id,
        channelType: 'whatsapp',
        channelUserId: waSender(lane),
        userId: ownerId,
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
    whatsappInstallationId,
    addFeishuInstallation: async (apiBaseUrl) => {
      const opened = await openDatabase({ url: created.url });
      try {
        const stores = createStores(opened.prisma, SecretBox.fromSpec(secretKey));
        const feishu = await stores.installations.create({
          workspaceId,
          agentId,
          channelType: 'feishu',
          config: { app_id: FS_APP_ID, mode: 'websocket', tenant_key: FS_TENANT, api_base_url: apiBaseUrl },
          secrets: { app_secret: FS_APP_SECRET },
        });
        for (let lane = 0; lane < FS_SENDERS; lane++) {
          await stores.bindings.bind({
            installationId: feishu.id,
            channelType: 'feishu',
            channelUserId: feishuSender(lane),
            userId: ownerId,
          });
        }
        return feishu.id;
      } finally {
        await opened.close();
      }
    },
    openFeishuTenants: async (apiBaseUrl) => {
      const opened = await openDatabase({ url: created.url });
      // The hub's key rule for Feishu (its app route names the tenant): one installation per
      // tenant of the app, so the tenants of one app do not collide.
      const stores = createStores(opened.prisma, SecretBox.fromSpec(secretKey), {
        installationKeys: (_type, config) => ({
          appKey: String(config.app_id),
          installationKey: String(config.tenant_key),
          installationKeyField: 'tenant_key',
        }),
      });
      return {
        add: async (tenantKey) => {
          // One installation per agent and channel type: each tenant gets its own agent.
          const tenantAgent = await stores.agents.create({
            workspaceId,
            name: `agent-${tenantKey}`,
            deliveryUrl: agent.url,
            deliverySecret: agent.secret,
          });
          const installation = await stores.installations.create({
            workspaceId,
            agentId: tenantAgent.id,
            channelType: 'feishu',
            config: { app_id: FS_APP_ID, mode: 'websocket', tenant_key: tenantKey, api_base_url: apiBaseUrl },
            secrets: { app_secret: FS_APP_SECRET },
          });
          return installation.id;
        },
        close: () => opened.close(),
      };
    },
    query: async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
      (await client.query<R>(text, values)).rows,
    inboxRows: async () => {
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM channel_inbound_message_dedup',
      );
      return Number(rows[0]?.n ?? 0);
    },
    discardBacklog: async () => {
      const result = await client.query(
        `UPDATE channel_inbound_message_dedup SET state = 'done', finished_at = now()
          WHERE state IN ('pending', 'processing', 'failed')`,
      );
      return result.rowCount ?? 0;
    },
    drop: async () => {
      await client.end();
      await created.drop();
    },
  };
}
