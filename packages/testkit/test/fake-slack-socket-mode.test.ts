import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type FakeSlack, startFakeSlack } from '../src/fakes/slack/index.js';

const APP_TOKEN = 'xapp-1-A0FAKEAPP-1-secret';
const BOT_TOKEN = 'xoxb-1-2-secret';
let fake: FakeSlack;
const clients: WebSocket[] = [];

/** A plain client socket, ended after the test; a refused handshake is asserted, not thrown. */
function track(socket: WebSocket): WebSocket {
  socket.on('error', () => {});
  clients.push(socket);
  return socket;
}

beforeEach(async () => {
  fake = await startFakeSlack({ appTokens: [APP_TOKEN], appId: 'A0PNCHHK2', socketTimeoutMs: 2000 });
});

afterEach(async () => {
  for (const client of clients.splice(0)) {
    if (client.readyState === WebSocket.OPEN) client.terminate();
  }
  await fake.close();
});

async function openConnection(token = APP_TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fake.url}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A socket plus every message it received, parsed, and a way to wait for the next one. */
interface Client {
  socket: WebSocket;
  messages: Record<string, unknown>[];
  next(): Promise<Record<string, unknown>>;
}

async function connect(url?: string): Promise<Client> {
  const socketUrl = url ?? String((await openConnection()).body.url);
  const socket = track(new WebSocket(socketUrl));
  const messages: Record<string, unknown>[] = [];
  const waiters: ((message: Record<string, unknown>) => void)[] = [];
  let read = 0;
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    waiters.shift()?.(messages[read++] as Record<string, unknown>);
  });
  await once(socket, 'open');
  return {
    socket,
    messages,
    next: () => {
      const ready = messages[read];
      if (ready) {
        read += 1;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

const eventCallback = {
  type: 'event_callback',
  team_id: 'T061EG9R6',
  api_app_id: 'A0PNCHHK2',
  event_id: 'Ev0PV52K21',
  event: { type: 'app_mention', user: 'U061F7AUR', text: '<@U0LAN0Z89> hi', ts: '1712345700.000200' },
};

describe('fake Slack Socket Mode', () => {
  it('opens a connection with an app-level token and answers a ws URL on the same port', async () => {
    const { body } = await openConnection();
    const port = new URL(fake.url).port;
    expect(body).toEqual({
      ok: true,
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/),
    });
    expect(new URL(String(body.url)).port).toBe(port);
  });

  it('refuses the wrong kind of token and unknown app tokens', async () => {
    expect((await openConnection(BOT_TOKEN)).body).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect((await openConnection('xapp-1-unknown')).body).toEqual({ ok: false, error: 'invalid_auth' });
    const authTest = await fetch(`${fake.url}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_TOKEN}` },
    });
    expect(await authTest.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
  });

  it('plays queued failures for apps.connections.open', async () => {
    fake.failNext('apps.connections.open', { ok: false, error: 'invalid_auth' });
    expect((await openConnection()).body).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await openConnection()).body).toMatchObject({ ok: true });
  });

  it('greets a new socket with hello, like Slack', async () => {
    const client = await connect();
    expect(await client.next()).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: {
        host: expect.any(String),
        build_number: expect.any(Number),
        approximate_connection_time: 18060,
      },
      connection_info: { app_id: 'A0PNCHHK2' },
    });
    expect(fake.socketConnections()).toBe(1);
    expect(fake.socketConnectCount).toBe(1);
  });

  it('accepts each ticket once and refuses unknown paths', async () => {
    const { body } = await openConnection();
    const url = String(body.url);
    await connect(url);
    const reused = track(new WebSocket(url));
    const [, reusedResponse] = (await once(reused, 'unexpected-response')) as [
      unknown,
      { statusCode: number },
    ];
    expect(reusedResponse.statusCode).toBe(401);
    const elsewhere = track(new WebSocket(url.replace('/link/', '/other/')));
    const [, refused] = (await once(elsewhere, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(refused.statusCode).toBe(404);
    expect(fake.socketConnectCount).toBe(1);
  });

  it('pushes an events_api envelope and resolves when the client acks it', async () => {
    const client = await connect();
    await client.next(); // hello
    const acked = fake.pushEvent(eventCallback, { retryAttempt: 1, retryReason: 'timeout' });
    const envelope = await client.next();
    expect(envelope).toEqual({
      envelope_id: expect.any(String),
      payload: eventCallback,
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 1,
      retry_reason: 'timeout',
    });
    expect(fake.acks).toEqual([]);
    client.socket.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: {} }));
    await expect(acked).resolves.toEqual({ envelopeId: envelope.envelope_id, payload: {} });
    expect(fake.acks).toEqual([{ envelopeId: envelope.envelope_id, payload: {} }]);
    expect(fake.socketMessages).toEqual([{ envelope_id: envelope.envelope_id, payload: {} }]);
  });

  it('rejects a push that is never acked, and one whose socket closes first', async () => {
    const client = await connect();
    await expect(fake.pushEvent(eventCallback, { timeoutMs: 50 })).rejects.toThrow(/no ack/);
    const pending = fake.pushEvent(eventCallback);
    client.socket.terminate();
    await expect(pending).rejects.toThrow(/closed before/);
    await expect(fake.pushEvent(eventCallback)).rejects.toThrow(/no open Socket Mode connection/);
    expect(fake.acks).toEqual([]);
  });

  it('asks clients to reconnect with a disconnect message, then closes', async () => {
    const client = await connect();
    await client.next(); // hello
    const closed = once(client.socket, 'close');
    await fake.disconnectAll();
    expect(await client.next()).toEqual({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: expect.any(String) },
    });
    await closed;
    expect(fake.socketConnections()).toBe(0);
    expect(fake.socketConnectCount).toBe(1);
  });

  it('drops sockets without a close frame', async () => {
    const client = await connect();
    const closed = once(client.socket, 'close');
    await fake.dropSockets();
    const [code] = (await closed) as [number];
    expect(code).toBe(1006);
    expect(fake.socketConnections()).toBe(0);
  });

  it('refuses upgrades during an outage and can withhold hello', async () => {
    fake.refuseSockets();
    const refused = track(new WebSocket(String((await openConnection()).body.url)));
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(503);
    fake.refuseSockets(false);
    fake.withholdHello();
    const silent = await connect();
    await fake.waitForSocketConnections(1);
    // Messages on one socket arrive in order, so a hello would come before this envelope.
    void fake.pushEvent(eventCallback).catch(() => {});
    expect(await silent.next()).toMatchObject({ type: 'events_api' });
    expect(fake.socketConnectCount).toBe(1);
  });

  it('counts concurrent connections in hello and closes them all on close', async () => {
    await connect();
    const second = await connect();
    expect(await second.next()).toMatchObject({ type: 'hello', num_connections: 2 });
    expect(fake.socketConnections()).toBe(2);
    const closed = once(second.socket, 'close');
    await fake.close();
    await closed;
    fake = await startFakeSlack();
  });
});
