import type { FastifyPluginAsync } from 'fastify';
import { ConsoleApi } from '../api.js';
import { listWorkspaces } from '../context.js';
import { isAdmin } from '../roles.js';
import { type ConsoleDeps, signInRedirect, workspacePage } from '../routing.js';
import { agentPages } from './agents.js';
import { auditPages } from './audit.js';
import { deadLetterPages } from './dead-letters.js';
import { installationPages, parkingActions } from './installations.js';
import { myLinksPages } from './me.js';
import { memberPages } from './members.js';
import { tokenPages } from './tokens.js';

/** Where a signed-in user lands: their workspace's first page for their role. */
export const homePages: FastifyPluginAsync<ConsoleDeps> = async (app, deps) => {
  app.get('/console', { schema: { hide: true } }, async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return signInRedirect(request, reply);
    const [first] = await listWorkspaces(new ConsoleApi(app, request, session.token));
    return reply.redirect(first ? `/console/w/${encodeURIComponent(first.slug)}` : '/console/account', 303);
  });

  app.get<{ Querystring: { ws?: string } }>(
    '/console/switch',
    { schema: { hide: true } },
    async (request, reply) =>
      reply.redirect(`/console/w/${encodeURIComponent(String(request.query.ws ?? ''))}`, 303),
  );

  app.get(
    '/console/w/:ws',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: false }, async (context, _request, reply) =>
      reply.redirect(context.path(isAdmin(context.workspace.role) ? 'installations' : 'me'), 303),
    ),
  );

  for (const pages of [
    myLinksPages,
    installationPages,
    parkingActions,
    agentPages,
    memberPages,
    tokenPages,
    deadLetterPages,
    auditPages,
  ]) {
    await app.register(pages, deps);
  }
};
