// An account provisioner for a made-up "invite" platform (in the mould of GitHub org invitations),
// and a small HTTP server standing in for that platform. The provisioner speaks HTTP to the
// server; the server reports acceptance and expiry to the hub's webhook, signed like GitHub.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AccountProvisionerFactory,
  apiBaseUrlField,
  type CreateAccountResult,
  checkPayload,
  decodeJsonBody,
  definePlugin,
  header,
  secret,
} from '@switchboard/core';
import { signHubSignature256, verifyHubSignature256 } from '@switchboard/signing';
import { z } from 'zod';

export const FAKE_INVITE = 'fake-invite';

const configSchema = z.object({
  org: z.string().min(1),
  token: secret(z.string().min(8)),
  webhook_secret: secret(z.string().min(8)),
  api_base_url: apiBaseUrlField,
});
type FakeInviteConfig = z.infer<typeof configSchema>;

const member = z.object({ id: z.string(), login: z.string() });
const inviteAnswer = z.union([
  z.object({
    status: z.literal('invited'),
    invitation: z.object({ id: z.string(), expires_at: z.string() }),
  }),
  z.object({ status: z.enum(['added', 'member']), member }),
]);
const webhookEvent = z.object({
  action: z.enum(['member_added', 'invitation_expired']),
  invitation_id: z.string(),
  member: member.optional(),
});

export const fakeInviteFactory: AccountProvisionerFactory<FakeInviteConfig> = {
  type: FAKE_INVITE,
  displayName: 'Fake invitations (test provisioner)',
  configSchema,
  create: (config, deps) => {
    const call = (method: string, path: string, body?: unknown) =>
      (deps.fetch ?? fetch)(`${config.api_base_url}${path}`, {
        method,
        headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    return {
      async createAccount(req): Promise<CreateAccountResult> {
        const response = await call('POST', `/orgs/${config.org}/invitations`, {
          login: req.login,
          role: req.role,
        });
        if (response.status === 403)
          return { status: 'error', code: 'forbidden', message: 'the org refused the invitation' };
        if (!response.ok)
          return { status: 'error', code: 'transient', message: `answered ${response.status}` };
        const answer = inviteAnswer.parse(await response.json());
        if (answer.status === 'invited') {
          return {
            status: 'action_required',
            pending: {
              id: answer.invitation.id,
              expiresAt: answer.invitation.expires_at,
              detail: 'accept the org invitation',
            },
          };
        }
        const account = { id: answer.member.id, login: answer.member.login };
        return answer.status === 'added'
          ? { status: 'success', account }
          : { status: 'already_exists', account };
      },
      async cancel(pendingId) {
        await call('DELETE', `/orgs/${config.org}/invitations/${pendingId}`);
      },
      async applyGrants(account, grants) {
        for (const grant of grants) {
          const response = await call(
            'PUT',
            `/orgs/${config.org}/teams/${grant.target}/memberships/${account.login}`,
          );
          if (!response.ok) return { status: 'error', message: `team ${grant.target}: ${response.status}` };
        }
        return { status: 'applied' };
      },
      webhook: {
        verify: (req) =>
          verifyHubSignature256(config.webhook_secret, header(req, 'x-hub-signature-256'), req.rawBody),
        parse(req) {
          const event = checkPayload(webhookEvent, decodeJsonBody(req.rawBody, FAKE_INVITE), [], 'bad event');
          if (event.action === 'member_added' && event.member) {
            return {
              events: [{ kind: 'accepted', pendingId: event.invitation_id, account: event.member }],
            };
          }
          return { events: [{ kind: 'expired', pendingId: event.invitation_id }] };
        },
      },
    };
  },
};

export const fakeInvitePlugin = definePlugin({ factories: [], provisioners: [fakeInviteFactory] });

export interface FakeInvitePlatform {
  url: string;
  invitations: Array<{ id: string; login: string; canceled?: boolean }>;
  /** `team/login` for every team membership granted. */
  teamMemberships: string[];
  /** Posts the platform's "member accepted" event for an invitation to the hub, signed. */
  accept(hookUrl: string, invitationId: string, secret: string): Promise<Response>;
  expire(hookUrl: string, invitationId: string, secret: string): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Logins decide the answer: `direct-*` are added at once, `member-*` are members already,
 * `forbidden-*` are refused, anyone else is invited (and must accept).
 */
export async function startFakeInvitePlatform(): Promise<FakeInvitePlatform> {
  const invitations: FakeInvitePlatform['invitations'] = [];
  const teamMemberships: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer fake-invite-token-1')
      return send(401, { message: 'bad credentials' });
    const url = req.url ?? '';
    const team = /^\/orgs\/[^/]+\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(url);
    if (req.method === 'PUT' && team) {
      teamMemberships.push(`${team[1]}/${team[2]}`);
      return send(200, { state: 'active' });
    }
    const withdrawn = /^\/orgs\/[^/]+\/invitations\/([^/]+)$/.exec(url);
    if (req.method === 'DELETE' && withdrawn) {
      const invitation = invitations.find((candidate) => candidate.id === withdrawn[1]);
      if (!invitation) return send(404, { message: 'no such invitation' });
      invitation.canceled = true;
      return send(204);
    }
    if (req.method === 'POST' && /^\/orgs\/[^/]+\/invitations$/.test(url)) {
      const { login } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { login: string };
      if (login.startsWith('forbidden-')) return send(403, { message: 'forbidden' });
      if (login.startsWith('direct-'))
        return send(201, { status: 'added', member: { id: `m-${login}`, login } });
      if (login.startsWith('member-'))
        return send(200, { status: 'member', member: { id: `m-${login}`, login } });
      const invitation = { id: `inv-${invitations.length + 1}`, login };
      invitations.push(invitation);
      return send(201, {
        status: 'invited',
        invitation: { id: invitation.id, expires_at: '2030-01-08T00:00:00.000Z' },
      });
    }
    send(404, { message: 'not found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const post = (hookUrl: string, secretKey: string, body: unknown) => {
    const raw = JSON.stringify(body);
    return fetch(hookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': signHubSignature256(secretKey, Buffer.from(raw)),
      },
      body: raw,
    });
  };
  return {
    url: `http://127.0.0.1:${port}`,
    invitations,
    teamMemberships,
    accept: (hookUrl, invitationId, secretKey) => {
      const invitation = invitations.find((candidate) => candidate.id === invitationId);
      const login = invitation?.login ?? 'nobody';
      return post(hookUrl, secretKey, {
        action: 'member_added',
        invitation_id: invitationId,
        member: { id: `m-${login}`, login },
      });
    },
    expire: (hookUrl, invitationId, secretKey) =>
      post(hookUrl, secretKey, { action: 'invitation_expired', invitation_id: invitationId }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
