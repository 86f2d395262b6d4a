import type { TestDatabaseKind } from '@switchboard/db/testing';
import { type FakeSlack, signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { expect } from 'vitest';
import { type FakeAgent, startFakeAgent } from './fake-agent.js';
import { type HubFixture, type HubFixtureOptions, startHubFixture } from './hub-fixture.js';

export const TEAM = 'T0TEAM001';
export const APP = 'A0APP0001';
export const BOT = 'U0BOT0001';
export const SIGNING_SECRET = 'slack-signing-secret-0001';

/** A workspace with an admin, an agent pointing at `agent`, and a Slack installation on `slack`. */
export async function installSlack(
  hub: HubFixture,
  slack: FakeSlack,
  agent: FakeAgent,
  slug: string,
  appId = APP,
) {
  const admin = await hub.seedWorkspace(slug);
  const createdAgent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
    token: admin.token,
    body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
  });
  expect(createdAgent.status).toBe(201);
  const installation = await hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
    token: admin.token,
    body: {
      agentId: createdAgent.body.id,
      channelType: 'slack',
      config: {
        signing_secret: SIGNING_SECRET,
        bot_token: 'xoxb-test-token',
        app_id: appId,
        team_id: TEAM,
        bot_user_id: BOT,
        api_base_url: slack.url,
      },
    },
  });
  expect(installation.status).toBe(201);
  return {
    ...admin,
    agentId: createdAgent.body.id as string,
    installationId: installation.body.id as string,
  };
}

export interface SlackMessageOptions {
  eventId: string;
  user: string;
  channel?: string;
  channelType?: 'im' | 'channel' | 'group' | 'mpim';
  text?: string;
  ts?: string;
  threadTs?: string;
  /** `app_mention` instead of `message` (how Slack reports a mention outside DMs). */
  mention?: boolean;
  /** `api_app_id`: the installation's app (default APP); another one is refused as `wrong_app`. */
  appId?: string;
}

let tsCounter = 0;
/** A unique, increasing Slack ts. */
export function nextTs(): string {
  tsCounter++;
  return `${1_760_000_000 + tsCounter}.${String(tsCounter).padStart(6, '0')}`;
}

/** An Events API `event_callback` body as Slack sends it. */
export function slackMessage(options: SlackMessageOptions): Record<string, unknown> {
  const ts = options.ts ?? nextTs();
  const event: Record<string, unknown> = {
    type: options.mention ? 'app_mention' : 'message',
    user: options.user,
    text: options.text ?? 'hello',
    ts,
    team: TEAM,
    channel: options.channel ?? 'D0DM00001',
    event_ts: ts,
    ...(options.mention ? {} : { channel_type: options.channelType ?? 'im' }),
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
  };
  return {
    token: 'legacy-verification-token',
    team_id: TEAM,
    api_app_id: options.appId ?? APP,
    event,
    type: 'event_callback',
    event_id: options.eventId,
    event_time: Math.floor(Number(ts)),
    authorizations: [{ team_id: TEAM, user_id: BOT, is_bot: true }],
  };
}

/** Posts a body to the installation's webhook, signed like Slack (unless headers are given). */
export async function postToHook(
  hub: HubFixture,
  installationId: string,
  body: unknown,
  options: { headers?: Record<string, string>; secret?: string; timestamp?: number } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = options.headers ?? {
    'content-type': 'application/json',
    ...signSlackRequest(options.secret ?? SIGNING_SECRET, raw, options.timestamp),
  };
  return hub.request('POST', `/hooks/${installationId}`, {
    raw,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A hub, a fake Slack, a fake agent and one Slack installation, started together. */
export interface SlackScenario {
  hub: HubFixture;
  slack: FakeSlack;
  agent: FakeAgent;
  setup: Awaited<ReturnType<typeof installSlack>>;
  close(): Promise<void>;
}

export async function startSlackScenario(
  kind: TestDatabaseKind,
  slug: string,
  options: HubFixtureOptions = {},
): Promise<SlackScenario> {
  const hub = await startHubFixture(kind, options);
  const slack = await startFakeSlack({ teamId: TEAM, botUserId: BOT });
  const agent = await startFakeAgent();
  const setup = await installSlack(hub, slack, agent, slug);
  return {
    hub,
    slack,
    agent,
    setup,
    close: async () => {
      await hub.close();
      await slack.close();
      await agent.close();
    },
  };
}
