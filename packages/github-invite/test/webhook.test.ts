import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MalformedPayloadError, type WebhookRequest } from '@switchboard/core';
import { examplePayload } from '@switchboard/testkit/fakes/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GithubInviteProvisioner } from '../src/index.js';
import { githubOrg, request, WEBHOOK_SECRET } from './helpers.js';

/** A stand-in for the hub's route: keeps each delivery as the provisioner would see it. */
async function captureServer() {
  const received: WebhookRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({
      headers: req.headers,
      rawBody: new Uint8Array(Buffer.concat(chunks)),
    } as unknown as WebhookRequest);
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => server.close(),
  };
}

describe('the org webhook', () => {
  let capture: Awaited<ReturnType<typeof captureServer>>;
  let made: Awaited<ReturnType<typeof githubOrg>>;
  let provisioner: GithubInviteProvisioner;
  const last = () => {
    const req = capture.received.at(-1);
    if (!req) throw new Error('nothing received');
    return req;
  };
  beforeAll(async () => {
    capture = await captureServer();
    made = await githubOrg({ hook: { url: capture.url, secret: WEBHOOK_SECRET, id: 4242 } });
    provisioner = made.provisioner;
  });
  afterAll(async () => {
    capture.close();
    await made.github.close();
  });

  it('verifies X-Hub-Signature-256 and turns member_added into a joined account with its identities', async () => {
    const invited = await provisioner.createAccount(request({ login: 'alice' }));
    if (invited.status !== 'action_required') throw new Error(invited.status);
    await made.github.accept(Number(invited.pending.id));
    const req = last();
    expect(provisioner.webhook.verify(req)).toEqual({ ok: true });
    const parsed = provisioner.webhook.parse(req);
    expect(parsed.deliveryId).toMatch(/^4242:72d3162e-/);
    expect(parsed.events).toEqual([
      {
        kind: 'joined',
        account: {
          id: '101',
          login: 'alice',
          identities: [
            { namespace: 'github_login', identifier: 'alice' },
            { namespace: 'github_id', identifier: '101' },
          ],
        },
      },
    ]);
  });

  it('refuses a forged signature and a missing one', async () => {
    await made.github.deliver(
      'organization',
      { action: 'member_added' },
      { signature: `sha256=${'0'.repeat(64)}` },
    );
    expect(provisioner.webhook.verify(last())).toMatchObject({ ok: false, reason: 'bad_signature' });
    await made.github.deliver('organization', { action: 'member_added' }, { signature: null });
    expect(provisioner.webhook.verify(last())).toMatchObject({ ok: false, reason: 'missing_signature' });
  });

  it('refuses a body changed after signing', async () => {
    await made.github.deliver('ping', { zen: 'Design for failure.' });
    const req = last();
    const tampered = { ...req, rawBody: new TextEncoder().encode('{"zen":"Keep it logically awesome."}') };
    expect(provisioner.webhook.verify(tampered)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('scopes the delivery id by the hook id: a redelivery keeps it, another hook does not share it', async () => {
    const first = await made.github.deliver('ping', { zen: 'Practicality beats purity.' });
    const firstId = provisioner.webhook.parse(last()).deliveryId;
    await made.github.redeliver(first);
    expect(provisioner.webhook.parse(last()).deliveryId).toBe(firstId);
    await made.github.redeliver(first, { hookId: '5151' });
    expect(provisioner.webhook.parse(last()).deliveryId).toBe(`5151:${first.request.deliveryId}`);
  });

  it('membership.removed (scope team) reports the team grant taken away on GitHub', async () => {
    await provisioner.applyGrants({ id: '101', login: 'alice' }, [{ kind: 'team', target: 'backend' }]);
    await made.github.removeFromTeam('backend', 'alice');
    expect(provisioner.webhook.parse(last()).events).toEqual([
      {
        kind: 'grant_changed',
        account: expect.objectContaining({ id: '101', login: 'alice' }),
        grant: { kind: 'team', target: 'backend' },
        change: 'removed',
      },
    ]);
  });

  it('member_removed revokes; other orgs and other events change nothing', async () => {
    await made.github.removeMember('alice');
    expect(provisioner.webhook.parse(last()).events).toMatchObject([
      { kind: 'removed', account: { id: '101' } },
    ]);
    await made.github.deliver('organization', {
      action: 'member_added',
      organization: { login: 'other-org' },
      membership: { user: { login: 'mallory', id: 666 } },
    });
    expect(provisioner.webhook.parse(last()).events).toEqual([]);
    await made.github.deliver('star', { action: 'created' });
    expect(provisioner.webhook.parse(last()).events).toEqual([]);
  });

  it('member_invited (the published example payload) names the invitation for a lost answer', async () => {
    const payload = examplePayload('organization', 'member_invited');
    payload.organization = { ...(payload.organization as object), login: 'acme' };
    await made.github.deliver('organization', payload);
    expect(provisioner.webhook.parse(last()).events).toEqual([
      { kind: 'invited', pendingId: '39652351', login: 'hacktocat', expiresAt: '2021-05-31T04:10:21.000Z' },
    ]);
  });

  it('a malformed organization event is MalformedPayloadError, not a crash', async () => {
    await made.github.deliver('organization', { action: 'member_added', membership: 'nope' });
    expect(() => provisioner.webhook.parse(last())).toThrow(MalformedPayloadError);
  });
});
