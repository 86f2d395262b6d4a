import { PlatformError } from '@switchboard/core';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeishuApi } from '../src/api.js';
import { FeishuChannel } from '../src/channel.js';
import { feishuConfigSchema } from '../src/config.js';
import { fetchFeishuBotOpenId, fetchFeishuProfile, fetchFeishuTenantKey } from '../src/directory.js';
import { prepareFeishuConfig } from '../src/prepare-config.js';
import { sendFeishuMessage, updateFeishuMessage } from '../src/send.js';
import { APP_ID, APP_SECRET, BOT, silentLogger, TENANT } from './helpers.js';

describe('the Open API against a fake Feishu', () => {
  let feishu: FakeFeishu;
  let api: FeishuApi;

  beforeAll(async () => {
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    api = new FeishuApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: feishu.url, logger: silentLogger });
    feishu.users.set('ou_alice', {
      open_id: 'ou_alice',
      union_id: 'on_alice',
      name: 'Alice',
      enterprise_email: 'alice@acme.test',
      email: 'a@home.test',
    });
    feishu.users.set('ou_nounion', { open_id: 'ou_nounion', name: 'No Union' });
    feishu.users.set('ou_gone', { open_id: 'ou_gone', union_id: 'on_gone', status: { is_resigned: true } });
    feishu.users.set('ou_frozen', {
      open_id: 'ou_frozen',
      union_id: 'on_frozen',
      status: { is_frozen: true },
    });
  });
  afterAll(async () => feishu?.close());

  const sender = (id: string) => ({ id, isBot: false, isExternal: false });

  it('learns the bot open id (top-level bot) and the tenant', async () => {
    expect(await fetchFeishuBotOpenId(api)).toBe(BOT);
    expect(await fetchFeishuTenantKey(api)).toBe(TENANT);
  });

  it('reads profiles: union id canonical, enterprise email first, open id only as a fallback', async () => {
    expect(await fetchFeishuProfile(api, sender('ou_alice'))).toEqual({
      canonicalId: 'on_alice',
      email: 'alice@acme.test',
      emailVerified: false,
      name: 'Alice',
      isGuest: false,
    });
    expect((await fetchFeishuProfile(api, sender('ou_nounion'))).canonicalId).toBe('ou_nounion');
    expect(await fetchFeishuProfile(api, sender('ou_gone'))).toMatchObject({
      isGuest: true,
      inactive: 'resigned',
    });
    expect(await fetchFeishuProfile(api, sender('ou_frozen'))).toMatchObject({
      isGuest: true,
      inactive: 'frozen',
    });
    await expect(fetchFeishuProfile(api, sender('ou_unknown'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('resolves names through the egress lookup, so a refused address is never reached', async () => {
    const asked: string[] = [];
    const refusing = ((
      hostname: string,
      _options: unknown,
      callback: (error: Error | null, address: string, family?: number) => void,
    ) => {
      asked.push(hostname);
      callback(new Error(`egress refused: ${hostname}`), '', 4);
    }) as never;
    const port = new URL(feishu.url).port;
    const guarded = new FeishuApi({
      appId: APP_ID,
      appSecret: APP_SECRET,
      baseUrl: `http://localhost:${port}`,
      logger: silentLogger,
      lookup: refusing,
    });
    const before = feishu.calls.length;
    await expect(fetchFeishuBotOpenId(guarded)).rejects.toBeInstanceOf(PlatformError);
    expect(asked).toContain('localhost');
    expect(feishu.calls.length).toBe(before);
  });

  it('gives every client its own token cache', async () => {
    const other = new FeishuApi({
      appId: APP_ID,
      appSecret: 'wrong-secret',
      baseUrl: feishu.url,
      logger: silentLogger,
    });
    // Same app id, wrong secret: it must not ride on the first client's cached token.
    await expect(fetchFeishuBotOpenId(other)).rejects.toBeInstanceOf(PlatformError);
    expect(await fetchFeishuBotOpenId(api)).toBe(BOT);
  });

  it('fills in the bot and detected tenant at install, and refuses a wrong secret', async () => {
    const prepared = await prepareFeishuConfig(
      { app_id: APP_ID, app_secret: APP_SECRET, api_base_url: feishu.url },
      { logger: silentLogger },
    );
    expect(prepared).toMatchObject({ bot_open_id: BOT, detected_tenant_key: TENANT });
    await expect(
      prepareFeishuConfig(
        { app_id: APP_ID, app_secret: 'nope', api_base_url: feishu.url },
        { logger: silentLogger },
      ),
    ).rejects.toMatchObject({ code: 'config_rejected' });
  });

  it('sends text with a uuid from the idempotency key; a retry posts nothing twice', async () => {
    const before = feishu.messages.length;
    const msg = { target: { chatId: 'oc_chat1' }, text: 'hello', idempotencyKey: 'out-1' };
    const first = await sendFeishuMessage(api, msg);
    const again = await sendFeishuMessage(api, msg);
    expect(again.platformMessageId).toBe(first.platformMessageId);
    expect(feishu.messages.length).toBe(before + 1);
    const call = feishu.calls.findLast((c) => c.path === '/open-apis/im/v1/messages');
    expect(call?.query.receive_id_type).toBe('chat_id');
    expect(call?.body).toMatchObject({
      receive_id: 'oc_chat1',
      msg_type: 'text',
      content: '{"text":"hello"}',
      uuid: 'out-1',
    });
  });

  it('replies through /reply, and splits long text into several messages', async () => {
    const reply = await sendFeishuMessage(api, {
      target: { chatId: 'oc_chat1', reply: { replyToMessageId: 'om_parent' } },
      text: 'yes',
      idempotencyKey: 'out-2',
    });
    expect(feishu.messages.find((m) => m.message_id === reply.platformMessageId)?.reply_to).toBe('om_parent');
    const before = feishu.messages.length;
    await sendFeishuMessage(api, {
      target: { chatId: 'oc_chat1' },
      text: `${'a'.repeat(29_000)}\n${'b'.repeat(29_000)}`,
      idempotencyKey: 'out-3',
    });
    expect(feishu.messages.length).toBe(before + 2);
  });

  it('creates a card with update_multi, updates it with PATCH, and edits text with PUT', async () => {
    const card = await sendFeishuMessage(api, {
      target: { chatId: 'oc_chat1' },
      card: { elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'v1' } }] },
      idempotencyKey: 'card-1',
    });
    const stored = feishu.messages.find((m) => m.message_id === card.platformMessageId);
    expect(stored?.msg_type).toBe('interactive');
    expect(JSON.parse(stored?.content ?? '{}').config.update_multi).toBe(true);
    await updateFeishuMessage(api, card.platformMessageId, {
      target: { chatId: 'oc_chat1' },
      card: { elements: [] },
      idempotencyKey: 'card-1u',
    });
    expect(stored?.updates.map((u) => u.method)).toEqual(['PATCH']);
    const text = await sendFeishuMessage(api, {
      target: { chatId: 'oc_chat1' },
      text: 'draft',
      idempotencyKey: 'txt-1',
    });
    await updateFeishuMessage(api, text.platformMessageId, {
      target: { chatId: 'oc_chat1' },
      text: 'final',
      idempotencyKey: 'txt-1u',
    });
    expect(feishu.messages.find((m) => m.message_id === text.platformMessageId)?.updates).toEqual([
      { method: 'PUT', content: '{"text":"final"}' },
    ]);
  });

  it('reports rate limits with x-ogw-ratelimit-reset, and 230020 / 230017 as permanent', async () => {
    feishu.fail('/open-apis/im/v1/messages', { rateLimited: true, resetSeconds: 7 });
    await expect(
      sendFeishuMessage(api, { target: { chatId: 'oc_chat1' }, text: 'x', idempotencyKey: 'rl-1' }),
    ).rejects.toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 7_000,
      platformCode: '99991400',
    });
    for (const code of [230020, 230017]) {
      feishu.fail('/open-apis/im/v1/messages', { code, msg: 'chat gone' });
      await expect(
        sendFeishuMessage(api, { target: { chatId: 'oc_chat1' }, text: 'x', idempotencyKey: `gone-${code}` }),
      ).rejects.toMatchObject({
        kind: 'permanent',
        platformCode: String(code),
      });
    }
  });

  it('connects through a Feishu outage with the bot and tenant stored at install, and not without them', async () => {
    const ctx = {
      installationId: 'i',
      workspaceId: 'w',
      logger: silentLogger,
      signal: new AbortController().signal,
      emit: async () => {},
    };
    const webhook = {
      app_id: APP_ID,
      app_secret: APP_SECRET,
      api_base_url: feishu.url,
      mode: 'webhook',
      verification_token: 'vt',
    };
    const stored = new FeishuChannel(
      feishuConfigSchema.parse({ ...webhook, bot_open_id: BOT, detected_tenant_key: TENANT }),
      { installationId: 'i', logger: silentLogger },
    );
    feishu.fail('/open-apis/bot/v3/info', { code: 1500, msg: 'server busy' });
    await expect(stored.connect(ctx)).resolves.toBeUndefined();
    expect(stored.homeTenant()).toBe(TENANT);
    const bare = new FeishuChannel(feishuConfigSchema.parse(webhook), {
      installationId: 'i',
      logger: silentLogger,
    });
    feishu.fail('/open-apis/bot/v3/info', { code: 1500, msg: 'server busy' });
    await expect(bare.connect(ctx)).rejects.toMatchObject({ kind: 'transient' });
    expect(bare.homeTenant()).toBeUndefined();
  });
});
