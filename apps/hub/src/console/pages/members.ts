import type { FastifyPluginAsync } from 'fastify';
import { html } from '../html.js';
import { csrfField, notice, sendPage } from '../layout.js';
import { type ConsoleDeps, formOf, workspacePage } from '../routing.js';
import { apiAction, button, uuidParam } from './actions.js';
import { ago, when } from './format.js';
import { memberDetailPages } from './member-detail.js';

interface Member {
  userId: string;
  username: string;
  email: string | null;
  role: string;
  createdAt: string;
}
interface Invitation {
  id: string;
  status: string;
  role: string;
  email?: string;
  username?: string;
  expiresAt: string;
  createdAt: string;
}

const DONE: Record<string, string> = {
  canceled: 'The invitation is canceled.',
  role: 'The role is changed.',
  removed: 'The member is removed; their chat bindings are gone.',
};

/** Members (roles, removal, each one's page) and invitations (send, resend, cancel). */
export const memberPages: FastifyPluginAsync<ConsoleDeps> = async (app, deps) => {
  await app.register(memberDetailPages, deps);
  const back = { current: 'members', back: (c: { path(rest: string): string }) => c.path('members') };

  app.get<{ Querystring: { done?: string } }>(
    '/console/w/:ws/members',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const [members, invitations] = await Promise.all([
        context.api.get<{ items: Member[] }>(context.apiPath('members?limit=500')),
        context.api.get<{ items: Invitation[] }>(context.apiPath('invitations?limit=100')),
      ]);
      const done = DONE[(request.query as { done?: string }).done ?? ''];
      const me = context.session.principal.userId;
      const body = html`${done ? notice('ok', done) : null}
<table aria-label="Members"><thead><tr><th>User</th><th>Email</th><th>Role</th><th>Member since</th><th></th></tr></thead><tbody>${(
        members.ok ? members.body.items : []
      ).map(
        (m) =>
          html`<tr><td><a href="${context.path(`members/${m.userId}`)}">${m.username}</a></td><td>${m.email ?? ''}</td><td>${
            m.userId === me
              ? m.role
              : html`<form class="inline" method="post" action="${context.path(`members/${m.userId}/role`)}">${csrfField(context.session.csrf)}<label class="visually-hidden" for="role-${m.userId}">Role of ${m.username}</label><select id="role-${m.userId}" name="role">${[
                  'member',
                  'admin',
                  'owner',
                ].map(
                  (r) => html`<option${r === m.role ? html` selected` : ''}>${r}</option>`,
                )}</select> <button type="submit" class="secondary">Change</button></form>`
          }</td><td>${when(m.createdAt)}</td><td>${m.userId === me ? html`<span class="muted">you</span>` : button(context, context.path(`members/${m.userId}/remove`), 'Remove', 'danger')}</td></tr>`,
      )}</tbody></table>
<h2>Invite someone</h2>
<form class="card narrow" method="post" action="${context.path('members/invite')}">${csrfField(context.session.csrf)}
<div class="field"><label for="invite-email">Email</label><input id="invite-email" name="email" type="email" required></div>
<div class="field"><label for="invite-role">Role</label><select id="invite-role" name="role"><option>member</option><option>admin</option></select></div>
<button type="submit">Send invitation</button></form>
<h2>Invitations</h2>
<table aria-label="Invitations"><thead><tr><th>Who</th><th>Role</th><th>Status</th><th>Sent</th><th>Expires</th><th></th></tr></thead><tbody>${(
        invitations.ok ? invitations.body.items : []
      ).map(
        (i) =>
          html`<tr><td>${i.email ?? i.username ?? ''}</td><td>${i.role}</td><td><span class="badge ${i.status === 'pending' ? 'warn' : i.status === 'accepted' ? 'ok' : 'idle'}">${i.status}</span></td><td>${ago(i.createdAt)}</td><td>${when(i.expiresAt)}</td><td>${
            i.status === 'pending'
              ? html`<div class="actions">${button(
                  context,
                  context.path('members/invite'),
                  'Resend',
                  'secondary',
                  {
                    ...(i.email ? { email: i.email } : { username: i.username ?? '' }),
                    role: i.role,
                  },
                )}${button(context, context.path(`invitations/${i.id}/cancel`), 'Cancel', 'danger')}</div>`
              : ''
          }</td></tr>`,
      )}</tbody></table>`;
      return sendPage(reply, 200, context.page('Members', 'members', body));
    }),
  );

  // Sending (or resending) shows the accept link once: the person gets it from the admin.
  app.post(
    '/console/w/:ws/members/invite',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const form = formOf(request);
      const email = (form.get('email') ?? '').trim();
      const username = (form.get('username') ?? '').trim();
      const answer = await context.api.call<{ acceptUrl?: string }>('POST', context.apiPath('members'), {
        ...(email ? { email } : {}),
        ...(username ? { username } : {}),
        role: form.get('role') ?? 'member',
      });
      const body = answer.ok
        ? answer.body.acceptUrl
          ? html`${notice('ok', html`Invitation sent to ${email || username}.`)}
<p>Send them this link; it works once and only for them, signed in:</p>
<div class="copy-row"><label class="visually-hidden" for="accept-url">Invitation link</label><input id="accept-url" readonly value="${answer.body.acceptUrl}"><button type="button" class="secondary" data-copy="accept-url">Copy</button></div>
<p><a href="${context.path('members')}">Back to members</a></p>`
          : html`${notice('ok', 'Added.')}<p><a href="${context.path('members')}">Back to members</a></p>`
        : html`${notice('error', answer.message)}<p><a href="${context.path('members')}">Back to members</a></p>`;
      return sendPage(reply, answer.ok ? 200 : answer.status, context.page('Invitation', 'members', body));
    }),
  );

  apiAction(
    app,
    '/console/w/:ws/invitations/:id/cancel',
    { ...back, done: 'canceled' },
    (context, _form, params) => ({
      method: 'DELETE',
      path: context.apiPath(`invitations/${uuidParam(params.id)}`),
    }),
  );
  apiAction(
    app,
    '/console/w/:ws/members/:userId/role',
    { ...back, done: 'role' },
    (context, form, params) => ({
      method: 'PATCH',
      path: context.apiPath(`members/${uuidParam(params.userId)}`),
      body: { role: form.get('role') },
    }),
  );
  apiAction(
    app,
    '/console/w/:ws/members/:userId/remove',
    { ...back, done: 'removed' },
    (context, _form, params) => ({
      method: 'DELETE',
      path: context.apiPath(`members/${uuidParam(params.userId)}`),
    }),
  );
};
