import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AgentOptions, createAgent, HubRequestError, type MessageContext } from '../src/index.js';
import { type FakeHub, messageDelivery, NOW_MS, SECRET, signedRequest, startFakeHub } from './support.js';

let hub: FakeHub;
beforeAll(async () => {
  hub = await startFakeHub();
});
afterAll(async () => {
  await hub.close();
});
beforeEach(() => {
  hub.sends.length = 0;
});

const agentFor = (options: Partial<AgentOptions> = {}) =>
  createAgent({ secret: SECRET, hubUrl: hub.url, now: () => NOW_MS, onError: () => {}, ...options });

function deliver(agent: ReturnType<typeof agentFor>, body: unknown, nowMs = NOW_MS, secret = SECRET) {
  const { raw, headers } = signedRequest(body, nowMs, secret);
  return agent.handle({ headers, body: Buffer.from(raw) });
}

describe('agent.handle', () => {
  it('runs the message handler and answers 200 after it resolved', async () => {
    const agent = agentFor();
    const seen: string[] = [];
    agent.message(async ({ message, user }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(`${user.username}: ${message.text}`);
    });
    const response = await deliver(agent, messageDelivery());
    expect(seen).toEqual(['alice: hello']);
    expect(response).toEqual({ status: 200, body: { ok: true } });
  });

  it.each([
    ['forged', (raw: string) => ({ body: raw.replace('hello', 'HELLO') }), 'bad_signature'],
    ['wrongly keyed', () => ({ secret: 'not-the-secret' }), 'bad_signature'],
    ['stale', () => ({ nowMs: NOW_MS - 301_000 }), 'stale_timestamp'],
    ['future', () => ({ nowMs: NOW_MS + 301_000 }), 'future_timestamp'],
    ['unsigned', () => ({ unsigned: true }), 'missing_signature'],
  ] as const)('refuses a %s delivery with 401 and never runs a handler', async (_label, tamper, code) => {
    const agent = agentFor();
    const handler = vi.fn();
    agent.message(handler);
    const body = messageDelivery();
    const changes: { body?: string; secret?: string; nowMs?: number; unsigned?: boolean } = tamper(
      JSON.stringify(body),
    );
    const { raw, headers } = signedRequest(body, changes.nowMs ?? NOW_MS, changes.secret ?? SECRET);
    const response = await agent.handle({
      headers: changes.unsigned ? { 'content-type': 'application/json' } : headers,
      body: changes.body ?? raw,
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: { code } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 400 to a signed body that is not JSON or not a delivery', async () => {
    const agent = agentFor();
    expect(await deliver(agent, 'not json')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json' } },
    });
    const notADelivery = await deliver(agent, { type: 'message', id: 'x' });
    expect(notADelivery).toMatchObject({ status: 400, body: { error: { code: 'invalid_delivery' } } });
    expect(String((notADelivery.body.error as { message: string }).message)).toContain('installationId');
  });

  it('finds the signature header whatever its case, or in a Fetch Headers object', async () => {
    const agent = agentFor();
    const { raw, headers } = signedRequest(messageDelivery());
    const signature = headers['x-switchboard-signature'];
    expect(
      (await agent.handle({ headers: { 'X-Switchboard-Signature': signature }, body: raw })).status,
    ).toBe(200);
    const fetchHeaders = new Headers({ 'X-Switchboard-Signature': signature });
    expect((await agent.handle({ headers: fetchHeaders, body: raw })).status).toBe(200);
  });

  it('answers 400 when the delivery header names another delivery than the signed body', async () => {
    const agent = agentFor();
    const { raw, headers } = signedRequest(messageDelivery());
    const response = await agent.handle({
      headers: { ...headers, 'x-switchboard-delivery': 'other' },
      body: raw,
    });
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'invalid_delivery' } } });
  });

  it('answers 500 when a handler throws, so the hub retries, and reports the error', async () => {
    const onError = vi.fn();
    const agent = agentFor({ onError });
    agent.message(() => {
      throw new Error('model unavailable');
    });
    const response = await deliver(agent, messageDelivery());
    expect(response).toMatchObject({ status: 500, body: { error: { code: 'handler_failed' } } });
    expect(JSON.stringify(response.body)).not.toContain('model unavailable');
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'model unavailable' }),
      expect.objectContaining({ type: 'message' }),
    );
  });

  it('acknowledges types without a handler, and hands unknown types to the unknown handler', async () => {
    const agent = agentFor();
    const unknown = vi.fn();
    agent.on('unknown', ({ event }) => unknown(event.originalType));
    const envelope = { id: 'd-9', installationId: 'inst-1', workspaceId: 'ws-1', channelType: 'slack' };
    expect(
      await deliver(agent, { type: 'delete', ...envelope, delete: { chatId: 'C1', platformMessageId: '1' } }),
    ).toMatchObject({ status: 200 });
    expect(await deliver(agent, { type: 'typing', ...envelope })).toMatchObject({ status: 200 });
    expect(unknown).toHaveBeenCalledWith('typing');
  });

  it('routes by type and by text pattern, in registration order', async () => {
    const agent = agentFor();
    const calls: string[] = [];
    agent.message('help', () => calls.push('help'));
    agent.message(/^hel+o/i, () => calls.push('hello'));
    agent.message(() => calls.push('any'));
    agent.on('reaction', ({ event }) => calls.push(`reaction ${event.reaction.emoji}`));
    await deliver(agent, messageDelivery({}, { text: 'Hello there' }));
    await deliver(agent, messageDelivery({ id: 'd-2' }, { text: 'I need help' }));
    await deliver(agent, {
      type: 'reaction',
      id: 'd-3',
      installationId: 'inst-1',
      workspaceId: 'ws-1',
      channelType: 'slack',
      reaction: { action: 'added', emoji: 'tada', chatId: 'C1', platformMessageId: '1.1' },
    });
    expect(calls).toEqual(['hello', 'any', 'help', 'any', 'reaction tada']);
  });

  it('answers with the session a handler names', async () => {
    const agent = agentFor();
    let previous: MessageContext['session'];
    agent.message(({ session, setSession }) => {
      previous = session;
      setSession('conversation-42');
    });
    const response = await deliver(agent, messageDelivery({ session: { id: 'conversation-41' } }));
    expect(previous).toEqual({ id: 'conversation-41' });
    expect(response.body).toEqual({ ok: true, sessionId: 'conversation-42' });
  });

  it('refuses to start without a secret or a hub URL', () => {
    expect(() => createAgent({ secret: '', hubUrl: hub.url })).toThrow(/secret/);
    expect(() => createAgent({ secret: [], hubUrl: hub.url })).toThrow(/secret/);
    expect(() => createAgent({ secret: SECRET, hubUrl: 'hub.local' })).toThrow(/hub URL/);
  });
});

describe('reply and send', () => {
  it('reply posts into the same chat, signed with the delivery secret, keyed by the delivery', async () => {
    const agent = agentFor({ now: Date.now });
    agent.message(async ({ message, reply }) => {
      const sent = await reply(`echo: ${message.text}`);
      expect(sent).toMatchObject({ status: 'queued', created: true });
    });
    const body = messageDelivery();
    expect((await deliver(agent, body, Date.now())).status).toBe(200);
    expect(hub.sends).toEqual([
      {
        installationId: body.installationId,
        signatureValid: true,
        body: { target: { chatId: 'D0DM00001' }, text: 'echo: hello', idempotencyKey: `reply:${body.id}:1` },
      },
    ]);
  });

  it('a retried delivery replies with the same keys, so the hub posts each reply once', async () => {
    const agent = agentFor();
    agent.message(async ({ reply }) => {
      await reply('one');
      await reply({ text: 'two', card: { blocks: [] } });
    });
    const body = messageDelivery({ id: 'retried-delivery' });
    await deliver(agent, body);
    await deliver(agent, body);
    expect(hub.sends.map((send) => send.body.idempotencyKey)).toEqual([
      'reply:retried-delivery:1',
      'reply:retried-delivery:2',
      'reply:retried-delivery:1',
      'reply:retried-delivery:2',
    ]);
    expect(hub.sends[1]?.body).toMatchObject({ text: 'two', card: { blocks: [] } });
  });

  it('replies in the thread the message came from, or starts one when asked', async () => {
    const agent = agentFor();
    agent.message('thread', ({ reply }) => reply('in the thread'));
    agent.message('dm', ({ reply }) => reply('under it', { inThread: true }));
    await deliver(agent, messageDelivery({}, { text: 'thread', reply: { threadId: '1760000000.000100' } }));
    await deliver(agent, messageDelivery({ id: 'd-2' }, { text: 'dm' }));
    expect(hub.sends.map((send) => send.body.target)).toEqual([
      { chatId: 'D0DM00001', reply: { threadId: '1760000000.000100' } },
      { chatId: 'D0DM00001', reply: { replyToMessageId: '1760000001.000001' } },
    ]);
  });

  it('send from a handler goes to any chat of the installation, keyed by the delivery unless told', async () => {
    const agent = agentFor();
    agent.message(async ({ send }) => {
      await send({ chatId: 'C0OPS0001', text: 'someone asked' });
      await send({ chatId: 'C0OPS0001', text: 'again', idempotencyKey: 'my-key' });
    });
    await deliver(agent, messageDelivery({ id: 'd-7' }));
    expect(
      hub.sends.map((send) => [send.installationId, send.body.target.chatId, send.body.idempotencyKey]),
    ).toEqual([
      [messageDelivery().installationId, 'C0OPS0001', 'send:d-7:1'],
      [messageDelivery().installationId, 'C0OPS0001', 'my-key'],
    ]);
  });

  it('agent.send works outside a delivery with a fresh key, and refuses empty content', async () => {
    const agent = agentFor({ now: Date.now });
    const sent = await agent.send({ installationId: 'inst-2', chatId: 'C1', text: 'report' });
    expect(sent.created).toBe(true);
    expect(hub.sends[0]).toMatchObject({ installationId: 'inst-2', signatureValid: true });
    expect(hub.sends[0]?.body.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    await expect(agent.send({ installationId: 'inst-2', chatId: 'C1', text: '' })).rejects.toThrow(
      /text, a card or media/,
    );
  });

  it('agent.send carries media alone', async () => {
    const agent = agentFor();
    const media = { kind: 'image' as const, url: 'https://cdn.example.com/a.png', caption: 'a' };
    await agent.send({ installationId: 'inst-2', chatId: 'C1', media });
    expect(hub.sends[0]?.body).toMatchObject({ target: { chatId: 'C1' }, media });
    expect(hub.sends[0]?.body.text).toBeUndefined();
  });

  it('a hub refusal fails the handler (500), and the retried delivery then gets its one reply', async () => {
    const errors: unknown[] = [];
    const retrying = createAgent({
      secret: SECRET,
      hubUrl: hub.url,
      now: () => NOW_MS,
      onError: (e) => errors.push(e),
    });
    retrying.message(({ reply }) => reply('answer'));
    hub.failNext(503);
    const body = messageDelivery({ id: 'flaky-hub' });
    expect((await deliver(retrying, body)).status).toBe(500);
    expect(errors[0]).toBeInstanceOf(HubRequestError);
    expect(errors[0]).toMatchObject({ status: 503, code: 'unavailable' });
    expect((await deliver(retrying, body)).status).toBe(200);
    expect(hub.sends.map((send) => send.body.idempotencyKey)).toEqual(['reply:flaky-hub:1']);
  });

  it('reports an unreachable hub as a HubRequestError without a status', async () => {
    const agent = createAgent({ secret: SECRET, hubUrl: 'http://127.0.0.1:9' });
    await expect(agent.send({ installationId: 'i', chatId: 'c', text: 'x' })).rejects.toMatchObject({
      name: 'HubRequestError',
      status: undefined,
    });
  });
});

describe('optional dedup of delivery ids', () => {
  it('runs handlers once per delivery id, also for a repeat that arrives while the first runs', async () => {
    const agent = agentFor({ dedup: true });
    let runs = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    agent.message(async () => {
      runs++;
      await gate;
    });
    const body = messageDelivery({ id: 'dup-1' });
    const first = deliver(agent, body);
    const concurrent = deliver(agent, body);
    release();
    expect(await first).toEqual({ status: 200, body: { ok: true } });
    expect(await concurrent).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect(await deliver(agent, body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect(runs).toBe(1);
  });

  it('forgets a failed delivery so that the retry runs the handlers again', async () => {
    const agent = agentFor({ dedup: true });
    let runs = 0;
    agent.message(() => {
      runs++;
      if (runs === 1) throw new Error('first attempt fails');
    });
    const body = messageDelivery({ id: 'dup-2' });
    expect((await deliver(agent, body)).status).toBe(500);
    expect((await deliver(agent, body)).status).toBe(200);
    expect(runs).toBe(2);
  });

  it('keeps only the most recent ids', async () => {
    const agent = agentFor({ dedup: { max: 2 } });
    let runs = 0;
    agent.message(() => {
      runs++;
    });
    for (const id of ['a', 'b', 'c', 'a']) await deliver(agent, messageDelivery({ id }));
    expect(runs).toBe(4);
  });
});
