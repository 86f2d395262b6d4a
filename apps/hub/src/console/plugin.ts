import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { registerConsoleAssets } from './assets.js';
import { html } from './html.js';
import { ASSETS, renderPage, sendPage } from './layout.js';
import { accountPages } from './pages/account.js';
import { activityPages } from './pages/activity.js';
import { homePages } from './pages/home.js';
import { invitePages } from './pages/invite.js';
import { outboundPages } from './pages/outbound.js';
import { signInPages } from './pages/sign-in.js';
import type { ConsoleDeps } from './routing.js';
import { signInRedirect } from './routing.js';
import { csrfMatches, fromThisOrigin, loadSession } from './session.js';

const FORM_LIMIT_BYTES = 64 * 1024;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function refuse(reply: FastifyReply, why: string): FastifyReply {
  return sendPage(
    reply,
    403,
    renderPage(
      { title: 'Request refused' },
      html`<p>${why}</p><p><a href="/console">Back to the console</a></p>`,
    ),
  );
}

/**
 * The operator console at `/console`: server-rendered pages over the hub's own API (see api.ts),
 * htmx for the live parts. Invariants, checked in one place for every console route:
 * - a state-changing request comes from this origin and carries its session's CSRF token;
 * - signed-out requests reach only the sign-in routes (`consoleSignedOut`).
 */
export const consolePlugin: FastifyPluginAsync<ConsoleDeps> = async (app, deps) => {
  app.decorateRequest('consoleSession', null);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, body, done) => done(null, new URLSearchParams(body as string)),
  );
  await registerConsoleAssets(app);

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith(`${ASSETS}/`)) return;
    request.consoleSession = await loadSession(request, deps.stores.consoleSessions);
    if (SAFE_METHODS.has(request.method)) return;
    if (!fromThisOrigin(request)) {
      return refuse(reply, 'This form was sent from another site. Nothing was changed.');
    }
    if (request.routeOptions.config.consoleSignedOut) return;
    if (!request.consoleSession) return signInRedirect(request, reply);
    const form = request.body instanceof URLSearchParams ? request.body : undefined;
    if (!csrfMatches(request, request.consoleSession, form)) {
      return refuse(
        reply,
        'This request did not carry the console’s security token (CSRF). Nothing was changed.',
      );
    }
  });

  await app.register(signInPages, deps);
  await app.register(accountPages, deps);
  await app.register(invitePages, deps);
  await app.register(homePages, deps);
  await app.register(activityPages, deps);
  await app.register(outboundPages, deps);
};
