import type { FastifyPluginAsync } from 'fastify';
import { html } from '../html.js';
import { notice, sendPage } from '../layout.js';
import { type ConsoleDeps, workspacePage } from '../routing.js';
import { apiAction, button, uuidParam } from './actions.js';
import { when } from './format.js';

interface DeadLetter {
  deliveryId: string;
  channelType: string;
  platformEventId: string;
  attempts: number;
  lastError: string | null;
  firstSeenAt: string;
  heldMessages: number;
}

const DONE: Record<string, string> = {
  retried: 'Queued for delivery again.',
  discarded: 'Discarded; the messages held behind it move on.',
};

/** Deliveries the hub gave up on, with retry and discard. */
export const deadLetterPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get<{ Querystring: { done?: string } }>(
    '/console/w/:ws/dead-letters',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const listed = await context.api.get<{ items: DeadLetter[] }>(
        context.apiPath('dead-letters?limit=200'),
      );
      const items = listed.ok ? listed.body.items : [];
      const done = DONE[(request.query as { done?: string }).done ?? ''];
      const body = html`${done ? notice('ok', done) : null}
<table aria-label="Dead letters"><thead><tr><th>Event</th><th>Channel</th><th>Attempts</th><th>Last error</th><th>Held behind it</th><th>First seen</th><th></th></tr></thead><tbody>${
        items.length === 0
          ? html`<tr><td colspan="7" class="muted">No dead letters.</td></tr>`
          : items.map(
              (d) =>
                html`<tr data-delivery="${d.deliveryId}"><td><code>${d.platformEventId}</code></td><td>${d.channelType}</td><td>${d.attempts}</td><td><span class="error-text">${d.lastError ?? ''}</span></td><td>${d.heldMessages}</td><td>${when(d.firstSeenAt)}</td><td><div class="actions">${button(
                  context,
                  context.path(`dead-letters/${d.deliveryId}/retry`),
                  'Retry',
                )}${button(context, context.path(`dead-letters/${d.deliveryId}/discard`), 'Discard', 'danger')}</div></td></tr>`,
            )
      }</tbody></table>`;
      return sendPage(reply, 200, context.page('Dead letters', 'dead-letters', body));
    }),
  );
  const back = {
    current: 'dead-letters',
    back: (c: { path(rest: string): string }) => c.path('dead-letters'),
  };
  apiAction(
    app,
    '/console/w/:ws/dead-letters/:id/retry',
    { ...back, done: 'retried' },
    (context, _form, params) => ({
      method: 'POST',
      path: context.apiPath(`dead-letters/${uuidParam(params.id)}/retry`),
    }),
  );
  apiAction(
    app,
    '/console/w/:ws/dead-letters/:id/discard',
    { ...back, done: 'discarded' },
    (context, _form, params) => ({
      method: 'POST',
      path: context.apiPath(`dead-letters/${uuidParam(params.id)}/discard`),
    }),
  );
};
