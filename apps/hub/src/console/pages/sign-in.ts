import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { registerRateLimit } from '../../http/rate-limit.js';
import { type HtmlValue, html } from '../html.js';
import { notice, renderPage, sendPage } from '../layout.js';
import { decoyHash, MAX_PASSWORD_LENGTH, verifyPassword } from '../password.js';
import { type ConsoleDeps, formOf, safeNext } from '../routing.js';
import { clearSessionCookie, setSessionCookie } from '../session.js';

function signInPage(reply: FastifyReply, status: number, body: HtmlValue): FastifyReply {
  return sendPage(reply, status, renderPage({ title: 'Sign in' }, html`<div class="narrow">${body}</div>`));
}

function passwordForm(next: string, username = '', problem?: string): HtmlValue {
  return html`${problem ? notice('error', problem) : null}
<form class="card" method="post" action="/console/sign-in">
<input type="hidden" name="next" value="${next}">
<div class="field"><label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required value="${username}"></div>
<div class="field"><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></div>
<button type="submit">Sign in</button>
</form>
<p class="muted">No password yet? Ask the person running the hub for a sign-in link
(<code>switchboard login-link --user &lt;you&gt;</code>); you can set a password once signed in.</p>`;
}

/**
 * Sign-in with a password or a one-time link, and sign-out. A wrong username and a wrong
 * password get the same answer after the same work (a decoy hash), so usernames do not leak.
 */
export const signInPages: FastifyPluginAsync<ConsoleDeps> = async (app, deps) => {
  const { consoleSessions } = deps.stores;

  async function startSession(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    method: 'password' | 'link',
    next: string,
  ): Promise<FastifyReply> {
    const agent = request.headers['user-agent'];
    const session = await consoleSessions.create({
      userId,
      method,
      ttlMs: deps.sessionTtlMs,
      ...(typeof agent === 'string' ? { userAgent: agent } : {}),
    });
    setSessionCookie(request, reply, session.token, session.expiresAt);
    return reply.redirect(safeNext(next), 303);
  }

  app.get<{ Querystring: { next?: string } }>(
    '/console/sign-in',
    { schema: { hide: true } },
    async (request, reply) => {
      if (request.consoleSession) return reply.redirect(safeNext(request.query.next), 303);
      return signInPage(reply, 200, passwordForm(safeNext(request.query.next)));
    },
  );

  await app.register(async (limited) => {
    await registerRateLimit(limited, deps.signInPerMinute);
    limited.post(
      '/console/sign-in',
      { schema: { hide: true }, config: { consoleSignedOut: true } },
      async (request, reply) => {
        const form = formOf(request);
        const username = (form.get('username') ?? '').trim().slice(0, 64);
        const password = form.get('password') ?? '';
        const next = safeNext(form.get('next'));
        const stored = username ? await consoleSessions.passwordOf(username) : null;
        const valid =
          password.length > 0 &&
          password.length <= MAX_PASSWORD_LENGTH &&
          (await verifyPassword(password, stored?.passwordHash ?? (await decoyHash()))) &&
          stored?.passwordHash != null;
        if (!valid || !stored) {
          request.log.info({ reason: 'console_sign_in_failed' }, 'console sign-in refused');
          return signInPage(
            reply,
            401,
            passwordForm(next, username, 'That username and password do not match.'),
          );
        }
        return startSession(request, reply, stored.userId, 'password', next);
      },
    );
  });

  // The link's GET only shows a button: chat and mail previews fetch links, and must not spend it.
  app.get<{ Querystring: { token?: string } }>(
    '/console/sign-in/link',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = typeof request.query.token === 'string' ? request.query.token.slice(0, 100) : '';
      return signInPage(
        reply,
        200,
        html`<form class="card" method="post" action="/console/sign-in/link">
<p>This one-time link signs you in to the Switchboard console.</p>
<input type="hidden" name="token" value="${token}">
<button type="submit">Continue to the console</button></form>`,
      );
    },
  );

  app.post(
    '/console/sign-in/link',
    { schema: { hide: true }, config: { consoleSignedOut: true } },
    async (request, reply) => {
      const userId = await consoleSessions.redeemLoginLink(
        (formOf(request).get('token') ?? '').slice(0, 100),
      );
      if (!userId) {
        return signInPage(
          reply,
          410,
          html`${notice('error', 'This sign-in link is unknown, already used or expired.')}
<p>Ask for a new one (<code>switchboard login-link --user &lt;you&gt;</code>), or
<a href="/console/sign-in">sign in with your password</a>.</p>`,
        );
      }
      return startSession(request, reply, userId, 'link', '/console/account?welcome=1');
    },
  );

  app.post('/console/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const session = request.consoleSession;
    if (session) await consoleSessions.revoke(session.principal.userId, session.principal.sessionId);
    clearSessionCookie(request, reply);
    return reply.redirect('/console/sign-in', 303);
  });
};
