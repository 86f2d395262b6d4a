import { randomBytes } from 'node:crypto';
import type { Stores } from '@switchboard/db';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Browser pages for people without a console yet: `/link` redeems a binding link and `/invite`
 * accepts an invitation, each signed in with an API token typed into a plain HTML form.
 *
 * CSRF and leaks: the credential is typed into the form on every submit (no cookie, no session),
 * POSTs are accepted only from this origin (Origin / Sec-Fetch-Site), and the token travels in the
 * POST body only: never in a URL, a Referer (no-referrer) or a log line (request logs carry the
 * method and route, bodies are never logged). Pages are `no-store` and cannot be framed.
 */
export interface LinkPageOptions {
  stores: Pick<Stores, 'apiTokens' | 'bindingTokens'>;
  /** Accepts an invitation as the user (see api/invitations.ts). */
  acceptInvitation(
    token: string,
    userId: string,
  ): Promise<{ ok: true } | { ok: false; message: string; status: number }>;
}

const FORM_LIMIT_BYTES = 4096;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The console's stylesheet (same origin), so these pages look like the console they lead to.
const CONSOLE_CSS = '/console/assets/console.css';
const SIGN_IN = '<a href="/console/sign-in">Sign in to the console</a>';

function page(
  reply: FastifyReply,
  status: number,
  title: string,
  body: string,
  nonce?: string,
): FastifyReply {
  const scripts = nonce ? `script-src 'nonce-${nonce}'` : "script-src 'none'";
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      `default-src 'none'; ${scripts}; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Switchboard</title>` +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<link rel="stylesheet" href="${CONSOLE_CSS}">` +
        '</head><body><header class="top"><a class="brand" href="/console">Switchboard</a></header>' +
        `<main class="public-page"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}

/** Only a form this origin served may post: a cross-site page cannot submit on someone's behalf. */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return typeof site === 'string';
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

function field(form: URLSearchParams, name: string, max = 512): string {
  return (form.get(name) ?? '').trim().slice(0, max);
}

const signInFields =
  '<div class="field"><label for="api_token">Your Switchboard API token</label>' +
  '<input id="api_token" name="api_token" type="password" autocomplete="off" required placeholder="sb_…"></div>';

export const linkPageRoutes: FastifyPluginAsync<LinkPageOptions> = async (app, options) => {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, body, done) => done(null, new URLSearchParams(body as string)),
  );

  const signIn = async (form: URLSearchParams) => {
    const apiToken = field(form, 'api_token');
    return apiToken ? options.stores.apiTokens.authenticate(apiToken) : null;
  };

  app.get<{ Querystring: { token?: string } }>(
    '/link',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = typeof request.query.token === 'string' ? request.query.token.slice(0, 200) : '';
      return page(
        reply,
        200,
        'Connect your chat account',
        '<p>Sign in with your Switchboard API token to connect the chat account that sent you this link ' +
          'to your Switchboard user. Ask an admin of your workspace for a token if you have none.</p>' +
          '<section class="card"><form method="post" action="/link">' +
          signInFields +
          '<div class="field"><label for="token">Link token</label>' +
          `<input id="token" name="token" required value="${escapeHtml(token)}"></div>` +
          '<button type="submit">Connect</button></form></section>' +
          `<p class="muted">Have a console account? ${SIGN_IN} and paste this page's link under “My links” instead: no API token needed.</p>`,
      );
    },
  );

  app.post('/link', { schema: { hide: true } }, async (request, reply) => {
    if (!sameOrigin(request))
      return page(reply, 403, 'Not connected', '<p>This form must be sent from this page.</p>');
    if (!(request.body instanceof URLSearchParams)) {
      return page(reply, 415, 'Not connected', '<p>Send the form from this page.</p>');
    }
    const principal = await signIn(request.body);
    if (!principal)
      return page(reply, 401, 'Not connected', '<p>That API token is unknown, revoked or expired.</p>');
    const result = await options.stores.bindingTokens.redeem(
      field(request.body, 'token', 200),
      principal.userId,
    );
    switch (result.status) {
      case 'bound':
        return page(
          reply,
          200,
          'Connected',
          `<p class="notice ok" role="status">Your chat account is now connected to <strong>${escapeHtml(principal.username)}</strong>.</p>` +
            `<p>You can close this page, or see your links in the console: ${SIGN_IN}.</p>`,
        );
      case 'gone':
        return page(
          reply,
          410,
          'Not connected',
          '<p>This link is unknown, already used or expired. Ask for a new one.</p>',
        );
      case 'conflict':
        return page(reply, 409, 'Not connected', '<p>This chat account is connected to another user.</p>');
      case 'not_member':
        return page(
          reply,
          403,
          'Not connected',
          '<p>You are not a member of the workspace this link belongs to.</p>',
        );
    }
  });

  app.get('/invite', { schema: { hide: true } }, async (_request, reply) => {
    // The invitation token arrives in the URL fragment (never sent to a server); this script moves
    // it into the form, and nowhere else.
    const nonce = randomBytes(16).toString('base64');
    return page(
      reply,
      200,
      'Accept an invitation',
      '<p>Sign in with your Switchboard API token to join the workspace that invited you.</p>' +
        '<section class="card"><form method="post" action="/invite">' +
        signInFields +
        '<div class="field"><label for="token">Invitation token</label><input id="token" name="token" required></div>' +
        '<button type="submit">Accept</button></form></section>' +
        '<p class="muted">Have a console account? <a id="console-accept" href="/console/invite">Accept in the console instead</a>, ' +
        `signed in there (${SIGN_IN}).</p>` +
        `<script nonce="${nonce}">const t=location.hash.slice(1);if(t){document.getElementById('token').value=decodeURIComponent(t);document.getElementById('console-accept').href='/console/invite#'+t;history.replaceState(null,'',location.pathname);}</script>`,
      nonce,
    );
  });

  app.post('/invite', { schema: { hide: true } }, async (request, reply) => {
    if (!sameOrigin(request))
      return page(reply, 403, 'Not accepted', '<p>This form must be sent from this page.</p>');
    if (!(request.body instanceof URLSearchParams)) {
      return page(reply, 415, 'Not accepted', '<p>Send the form from this page.</p>');
    }
    const principal = await signIn(request.body);
    if (!principal)
      return page(reply, 401, 'Not accepted', '<p>That API token is unknown, revoked or expired.</p>');
    const answer = await options.acceptInvitation(field(request.body, 'token', 200), principal.userId);
    if (answer.ok) {
      return page(
        reply,
        200,
        'Welcome',
        `<p class="notice ok" role="status">You joined the workspace as <strong>${escapeHtml(principal.username)}</strong>.</p>` +
          `<p>Its chat accounts, identities and links are in the console. ${SIGN_IN}.</p>`,
      );
    }
    return page(
      reply,
      answer.status,
      'Not accepted',
      `<p class="notice error" role="alert">${escapeHtml(answer.message)}</p><p>${SIGN_IN}</p>`,
    );
  });
};
