import type { Stores } from '@switchboard/db';

export interface SlackSeed {
  slug: string;
  agentUrl: string;
  agentSecret?: string;
  slackApiUrl: string;
  appId: string;
  teamId: string;
  botUserId: string;
  signingSecret: string;
  /** Installation config beyond the Slack keys (policy keys such as `auto_provision`). */
  extraConfig?: Record<string, unknown>;
  /** Slack user ids bound to the workspace owner. */
  boundSenders?: string[];
}

/**
 * A workspace with an owner, an agent and a Slack installation, written straight to the stores
 * (for suites and benchmarks that run the hub as another process or behind a proxy).
 */
export async function seedSlackWorkspace(
  stores: Stores,
  seed: SlackSeed,
): Promise<{ workspaceId: string; ownerId: string; installationId: string }> {
  const workspace = await stores.workspaces.create({ slug: seed.slug });
  const owner = await stores.users.create({ username: `${seed.slug}-owner` });
  await stores.members.upsert(workspace.id, owner.id, 'owner');
  const agent = await stores.agents.create({
    workspaceId: workspace.id,
    name: 'assistant',
    deliveryUrl: seed.agentUrl,
    // The hub never delivers unsigned, so a seeded agent always has a secret.
    deliverySecret: seed.agentSecret ?? 'seeded-delivery-secret-0123456789',
  });
  const installation = await stores.installations.create({
    workspaceId: workspace.id,
    agentId: agent.id,
    channelType: 'slack',
    config: {
      app_id: seed.appId,
      team_id: seed.teamId,
      bot_user_id: seed.botUserId,
      api_base_url: seed.slackApiUrl,
      ...seed.extraConfig,
    },
    secrets: { signing_secret: seed.signingSecret, bot_token: 'xoxb-seeded' },
  });
  for (const sender of seed.boundSenders ?? []) {
    await stores.bindings.bind({
      installationId: installation.id,
      channelType: 'slack',
      channelUserId: sender,
      userId: owner.id,
    });
  }
  return { workspaceId: workspace.id, ownerId: owner.id, installationId: installation.id };
}
