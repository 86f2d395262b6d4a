import type { FastifyPluginAsync } from 'fastify';
import { html } from '../html.js';
import { csrfField, notice, sendPage } from '../layout.js';
import { type ConsoleDeps, formOf, workspacePage } from '../routing.js';
import { apiAction, button, uuidParam } from './actions.js';
import { when } from './format.js';

interface Token {
  id: string;
  prefix: string;
  name: string;
  userId: string;
  role: string | null;
  lastUsedAt: string | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** API tokens: list (never their values), create (shown once), revoke. */
export const tokenPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get<{ Querystring: { done?: string } }>(
    '/console/w/:ws/tokens',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const tokens = await context.api.get<{ items: Token[] }>(context.apiPath('tokens?limit=200'));
      const done = (request.query as { done?: string }).done === 'revoked';
      const body = html`${done ? notice('ok', 'The token is revoked.') : null}
<table aria-label="API tokens"><thead><tr><th>Name</th><th>Prefix</th><th>Role cap</th><th>Last used</th><th>Expires</th><th>State</th><th></th></tr></thead><tbody>${(
        tokens.ok ? tokens.body.items : []
      ).map(
        (t) =>
          html`<tr><td>${t.name}</td><td><code>${t.prefix}…</code></td><td>${t.role ?? 'member’s role'}</td><td>${when(t.lastUsedAt)}</td><td>${when(t.expiresAt)}</td><td>${
            t.revokedAt
              ? html`<span class="badge idle">revoked</span>`
              : html`<span class="badge ok">active</span>`
          }</td><td>${t.revokedAt ? '' : button(context, context.path(`tokens/${t.id}/revoke`), 'Revoke', 'danger')}</td></tr>`,
      )}</tbody></table>
<h2>Create a token</h2>
<form class="card narrow" method="post" action="${context.path('tokens')}">${csrfField(context.session.csrf)}
<div class="field"><label for="token-name">Name</label><input id="token-name" name="name" required aria-describedby="token-name-hint"><p class="hint" id="token-name-hint">What it is for, e.g. “deploy script”.</p></div>
<div class="field"><label for="token-role">Role cap</label><select id="token-role" name="role"><option value="">your role</option><option>admin</option><option>member</option></select></div>
<div class="field"><label for="token-days">Expires in days</label><input id="token-days" name="expiresInDays" type="number" min="1" max="365" value="90"></div>
<button type="submit">Create token</button></form>`;
      return sendPage(reply, 200, context.page('API tokens', 'tokens', body));
    }),
  );

  app.post(
    '/console/w/:ws/tokens',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const form = formOf(request);
      const role = form.get('role');
      const days = Number(form.get('expiresInDays') ?? 90);
      const answer = await context.api.call<{ token: string; name: string }>(
        'POST',
        context.apiPath('tokens'),
        {
          name: (form.get('name') ?? '').trim(),
          ...(role ? { role } : {}),
          expiresInDays: Number.isFinite(days) ? days : 90,
        },
      );
      const body = answer.ok
        ? html`${notice('ok', html`Token “${answer.body.name}” created. It is shown once: copy it now.`)}
<div class="copy-row"><label class="visually-hidden" for="new-token">New token</label><input id="new-token" readonly value="${answer.body.token}"><button type="button" class="secondary" data-copy="new-token">Copy</button></div>
<p><a href="${context.path('tokens')}">Back to tokens</a></p>`
        : html`${notice('error', answer.message)}<p><a href="${context.path('tokens')}">Back to tokens</a></p>`;
      return sendPage(reply, answer.ok ? 201 : answer.status, context.page('API tokens', 'tokens', body));
    }),
  );

  apiAction(
    app,
    '/console/w/:ws/tokens/:id/revoke',
    { current: 'tokens', done: 'revoked', back: (c) => c.path('tokens') },
    (context, _form, params) => ({
      method: 'DELETE',
      path: context.apiPath(`tokens/${uuidParam(params.id)}`),
    }),
  );
};
