import type { FastifyPluginAsync } from 'fastify';
import { ConsoleApi } from '../api.js';
import { listWorkspaces } from '../context.js';
import { html } from '../html.js';
import { csrfField, notice, renderPage, sendPage } from '../layout.js';
import { type ConsoleDeps, formOf, signInRedirect } from '../routing.js';

/**
 * Accepting an invitation while signed in to the console: the invitation link's token rides in
 * the URL fragment (never sent to a server or a log); console.js copies it into the form.
 */
export const invitePages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get('/console/invite', { schema: { hide: true } }, async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return signInRedirect(request, reply);
    const workspaces = await listWorkspaces(new ConsoleApi(app, request, session.token));
    return sendPage(
      reply,
      200,
      renderPage(
        {
          title: 'Join a workspace',
          user: { username: session.principal.username, csrf: session.csrf },
          workspaces,
        },
        html`<form class="card narrow" method="post" action="/console/invite" data-fragment-token>${csrfField(session.csrf)}
<p>You were invited to a workspace. Accept as <strong>${session.principal.username}</strong>?</p>
<div class="field"><label for="invite-token">Invitation code</label><input id="invite-token" name="token" required autocomplete="off"></div>
<button type="submit">Join the workspace</button></form>`,
      ),
    );
  });

  app.post('/console/invite', { schema: { hide: true } }, async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return signInRedirect(request, reply);
    const api = new ConsoleApi(app, request, session.token);
    const token = (formOf(request).get('token') ?? '').trim().slice(0, 200);
    const answer = await api.call<{ workspaceId: string }>('POST', '/api/v1/invitations/accept', { token });
    if (answer.ok) return reply.redirect(`/console/w/${answer.body.workspaceId}`, 303);
    return sendPage(
      reply,
      answer.status,
      renderPage(
        {
          title: 'Not joined',
          user: { username: session.principal.username, csrf: session.csrf },
          workspaces: await listWorkspaces(api),
        },
        html`${notice('error', answer.message)}<p><a href="/console">Back to the console</a></p>`,
      ),
    );
  });
};
