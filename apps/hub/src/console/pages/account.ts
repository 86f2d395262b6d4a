import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ConsoleApi } from '../api.js';
import { listWorkspaces } from '../context.js';
import { type HtmlValue, html } from '../html.js';
import { csrfField, notice, renderPage, sendPage } from '../layout.js';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyPassword } from '../password.js';
import { type ConsoleDeps, formOf, signInRedirect } from '../routing.js';
import type { SignedIn } from '../session.js';
import { when } from './format.js';

/**
 * The signed-in user's own account: their password and their console sessions. A password that
 * exists is needed to change it, except in a session opened by a sign-in link (that link is the
 * operator's way to let someone back in).
 */
export const accountPages: FastifyPluginAsync<ConsoleDeps> = async (app, deps) => {
  const { consoleSessions } = deps.stores;

  async function show(
    session: SignedIn,
    reply: FastifyReply,
    status: number,
    top: HtmlValue,
    passwordProblem?: string,
  ): Promise<FastifyReply> {
    const [hasPassword, sessions, workspaces] = await Promise.all([
      consoleSessions.passwordHashOf(session.principal.userId).then((hash) => hash !== null),
      consoleSessions.listLive(session.principal.userId),
      listWorkspaces(new ConsoleApi(app, reply.request, session.token)),
    ]);
    const needsCurrent = hasPassword && session.principal.method === 'password';
    const body = html`${top}
<h2>Workspaces</h2>
${
  workspaces.length === 0
    ? html`<p class="muted">You are not a member of any workspace yet.</p>`
    : html`<ul>${workspaces.map(
        (w) =>
          html`<li><a href="/console/w/${encodeURIComponent(w.slug)}">${w.name}</a> <span class="muted">(${w.slug})</span></li>`,
      )}</ul>`
}
<h2>${hasPassword ? 'Change your password' : 'Set a password'}</h2>
<form class="card narrow" method="post" action="/console/account/password">${csrfField(session.csrf)}
${passwordProblem ? notice('error', passwordProblem) : null}
${
  needsCurrent
    ? html`<div class="field"><label for="current">Current password</label>
<input id="current" name="current" type="password" autocomplete="current-password" required></div>`
    : null
}
<div class="field"><label for="new-password">New password</label>
<input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" aria-describedby="new-password-hint">
<p class="hint" id="new-password-hint">At least ${MIN_PASSWORD_LENGTH} characters. Other browsers signed in as you are signed out.</p></div>
<button type="submit">Save password</button></form>
<h2>Signed-in browsers</h2>
<table><thead><tr><th>Signed in</th><th>How</th><th>Browser</th><th>Expires</th><th></th></tr></thead><tbody>
${sessions.map(
  (
    s,
  ) => html`<tr><td>${when(s.createdAt)}</td><td>${s.method}</td><td>${(s.userAgent ?? '').slice(0, 60)}</td><td>${when(s.expiresAt)}</td>
<td>${
    s.id === session.principal.sessionId
      ? html`<span class="muted">this browser</span>`
      : html`<form class="inline" method="post" action="/console/account/sessions/${s.id}/revoke">${csrfField(session.csrf)}<button type="submit" class="secondary">Sign out</button></form>`
  }</td></tr>`,
)}
</tbody></table>`;
    return sendPage(
      reply,
      status,
      renderPage(
        {
          title: 'Your account',
          user: { username: session.principal.username, csrf: session.csrf },
          workspaces,
        },
        body,
      ),
    );
  }

  app.get<{ Querystring: { welcome?: string; done?: string } }>(
    '/console/account',
    { schema: { hide: true } },
    async (request, reply) => {
      const session = request.consoleSession;
      if (!session) return signInRedirect(request, reply);
      const top =
        request.query.done === 'password'
          ? notice('ok', 'Your password is saved.')
          : request.query.welcome
            ? notice(
                'info',
                html`Signed in as <strong>${session.principal.username}</strong>. Set a password below to sign in without a link next time.`,
              )
            : null;
      return show(session, reply, 200, top);
    },
  );

  app.post('/console/account/password', { schema: { hide: true } }, async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return signInRedirect(request, reply);
    const form = formOf(request);
    const password = form.get('password') ?? '';
    if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      return show(
        session,
        reply,
        400,
        null,
        `A password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`,
      );
    }
    const stored = await consoleSessions.passwordHashOf(session.principal.userId);
    if (stored && session.principal.method === 'password') {
      const current = form.get('current') ?? '';
      if (current.length > MAX_PASSWORD_LENGTH || !(await verifyPassword(current, stored))) {
        return show(session, reply, 400, null, 'The current password is not right.');
      }
    }
    await consoleSessions.setPasswordHash(session.principal.userId, await hashPassword(password));
    await consoleSessions.revokeAll(session.principal.userId, { except: session.principal.sessionId });
    return reply.redirect('/console/account?done=password', 303);
  });

  app.post<{ Params: { id: string } }>(
    '/console/account/sessions/:id/revoke',
    { schema: { hide: true } },
    async (request, reply) => {
      const session = request.consoleSession;
      if (!session) return signInRedirect(request, reply);
      if (/^[0-9a-f-]{36}$/i.test(request.params.id)) {
        await consoleSessions.revoke(session.principal.userId, request.params.id);
      }
      return reply.redirect('/console/account', 303);
    },
  );
};
