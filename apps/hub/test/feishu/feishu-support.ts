import type { Registry } from '@switchboard/core';
import feishuPlugin from '@switchboard/feishu';
import { echoPlugin } from '@switchboard/testkit';
import type { FakeFeishu, FakeFeishuAck } from '@switchboard/testkit/fakes/feishu';
import { expect } from 'vitest';
import { createChannelRegistry } from '../../src/channels/registry.js';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';

export const APP_ID = 'cli_9f8e7d6c5b4a3210';
export const APP_SECRET = 'feishu-app-secret-0001';
export const TENANT = 'tenant_acme_0001';
export const OTHER_TENANT = 'tenant_other_0002';
export const BOT = 'ou_bot0000000000000000000000000a1';

/** The Feishu plugin as the hub loads it by default, plus the echo test channel. */
export function feishuRegistry(): Registry {
  return createChannelRegistry([
    { name: '@switchboard/feishu', plugin: feishuPlugin },
    { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
  ]);
}

/** A workspace with an owner, an agent pointing at `agent` and a Feishu installation, through the API. */
export async function installFeishu(
  hub: HubFixture,
  feishu: FakeFeishu,
  agent: FakeAgent,
  slug: string,
  config: Record<string, unknown> = {},
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
      channelType: 'feishu',
      config: {
        app_id: APP_ID,
        app_secret: APP_SECRET,
        auto_provision: true,
        api_base_url: feishu.url,
        ...config,
      },
    },
  });
  expect(installation.status, installation.text).toBe(201);
  return {
    ...admin,
    agentId: createdAgent.body.id as string,
    installationId: installation.body.id as string,
    installation: installation.body,
  };
}

let counter = 0;

/** An `im.message.receive_v1` v2 envelope as Feishu pushes it over the long connection. */
export function feishuMessage(options: {
  eventId?: string;
  messageId?: string;
  openId: string;
  unionId?: string | null;
  tenant?: string;
  senderTenant?: string;
  text?: string;
  chatId?: string;
  chatType?: 'p2p' | 'group';
  token?: string;
}) {
  const n = ++counter;
  return {
    schema: '2.0',
    header: {
      event_id: options.eventId ?? `ev_hub_${n}`,
      event_type: 'im.message.receive_v1',
      create_time: String(Date.now()),
      token: options.token ?? '',
      app_id: APP_ID,
      tenant_key: options.tenant ?? TENANT,
    },
    event: {
      sender: {
        sender_id: {
          open_id: options.openId,
          ...(options.unionId === null
            ? {}
            : { union_id: options.unionId ?? `on_${options.openId.slice(3)}` }),
        },
        sender_type: 'user',
        tenant_key: options.senderTenant ?? options.tenant ?? TENANT,
      },
      message: {
        message_id: options.messageId ?? `om_hub_${n}`,
        chat_id: options.chatId ?? `oc_dm_${options.openId}`,
        chat_type: options.chatType ?? 'p2p',
        message_type: 'text',
        content: JSON.stringify({ text: options.text ?? 'hello' }),
        create_time: String(Date.now()),
        mentions: [],
      },
    },
  };
}

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

export type AuditRow = { reason: string; detail?: Record<string, unknown>; platformEventId?: string };

/** The audit rows of one event once its terminal decision is recorded (`provisioned` and `resolved` are steps on the way). */
export function decided(hub: HubFixture, slug: string, token: string, eventId: string): Promise<AuditRow[]> {
  return eventually(async () => {
    const res = await hub.request(
      'GET',
      `/api/v1/workspaces/${slug}/audit?platformEventId=${encodeURIComponent(eventId)}`,
      { token },
    );
    const rows = (res.body?.entries ?? []) as AuditRow[];
    return rows.some(
      (row) => !['resolved', 'accepted', 'text_normalized', 'provisioned'].includes(row.reason),
    )
      ? rows
      : undefined;
  });
}

/**
 * Pushes like Feishu does: an event not acked in time is pushed again (same event id), until it
 * is acked with 200. The hub drops the repeats, so this never delivers twice.
 */
export async function pushUntilAcked(
  feishu: FakeFeishu,
  envelope: unknown,
  attempts = 6,
): Promise<FakeFeishuAck> {
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const ack = await feishu.push(envelope, { timeoutMs: 5_000 });
      if (ack.code === 200) return ack;
      last = new Error(`acked with ${ack.code}`);
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw last;
}
