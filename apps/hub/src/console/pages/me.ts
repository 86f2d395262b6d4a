import type { FastifyPluginAsync } from 'fastify';
import { html } from '../html.js';
import { notice, sendPage } from '../layout.js';
import { type ConsoleDeps, workspacePage } from '../routing.js';
import { verificationBadge, when } from './format.js';

interface Binding {
  installationId: string;
  channelType: string;
  channelUserId: string;
  userId: string;
  createdAt: string;
}
interface Identity {
  namespace: string;
  identifier: string;
  source: string;
  status: string;
  createdAt: string;
}
interface Account {
  id: string;
  channelType: string;
  state: string;
  externalId: string | null;
  lastError: string | null;
  createdAt: string;
  expiresAt: string | null;
}

const PENDING = new Set(['pending', 'invited']);

/**
 * What every member sees, and all a plain member sees: their own chat bindings, their
 * identities with verification state, and their account requests still pending.
 */
export const myLinksPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get(
    '/console/w/:ws/me',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: false }, async (context, _request, reply) => {
      const me = context.session.principal.userId;
      const [bindings, identities, accounts] = await Promise.all([
        context.api.get<{ items: Binding[] }>(context.apiPath('bindings?limit=500')),
        context.api.get<{ items: Identity[] }>(context.apiPath(`members/${me}/identities?limit=500`)),
        context.api.get<{ accounts: Account[] }>(context.apiPath(`members/${me}/accounts`)),
      ]);
      const mine = bindings.ok ? bindings.body.items.filter((b) => b.userId === me) : [];
      const pending = accounts.ok ? accounts.body.accounts.filter((a) => PENDING.has(a.state)) : [];
      const body = html`
<p class="muted">Your chat accounts, identities and pending account requests in this workspace.</p>
<h2>Chat accounts bound to you</h2>
${
  mine.length === 0
    ? html`<p class="muted">None yet. When you write to one of the workspace's bots, it answers with a link that binds your chat account.</p>`
    : html`<table><thead><tr><th>Channel</th><th>Chat user</th><th>Bound</th></tr></thead><tbody>${mine.map(
        (b) =>
          html`<tr><td>${b.channelType}</td><td><code>${b.channelUserId}</code></td><td>${when(b.createdAt)}</td></tr>`,
      )}</tbody></table>`
}
<h2>Your identities</h2>
${
  !identities.ok
    ? notice('error', identities.message)
    : identities.body.items.length === 0
      ? html`<p class="muted">No identities recorded.</p>`
      : html`<table aria-label="Your identities"><thead><tr><th>Kind</th><th>Identifier</th><th>Verification</th><th>Since</th></tr></thead><tbody>${identities.body.items.map(
          (i) =>
            html`<tr><td>${i.namespace}</td><td><code>${i.identifier}</code></td><td>${verificationBadge(i)}</td><td>${when(i.createdAt)}</td></tr>`,
        )}</tbody></table>`
}
<h2>Pending links</h2>
${
  pending.length === 0
    ? html`<p class="muted">Nothing pending.</p>`
    : html`<table><thead><tr><th>Platform</th><th>State</th><th>Account</th><th>Asked</th><th>Expires</th></tr></thead><tbody>${pending.map(
        (a) =>
          html`<tr><td>${a.channelType}</td><td><span class="badge warn">${a.state}</span></td><td>${a.externalId ?? ''}</td><td>${when(a.createdAt)}</td><td>${when(a.expiresAt)}</td></tr>`,
      )}</tbody></table>`
}`;
      return sendPage(reply, 200, context.page('My links', 'me', body));
    }),
  );
};
