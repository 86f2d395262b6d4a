import type { FastifyPluginAsync } from 'fastify';
import { html } from '../html.js';
import { notice, sendPage } from '../layout.js';
import { type ConsoleDeps, workspacePage } from '../routing.js';
import { when } from './format.js';

interface OutboundMessage {
  id: string;
  installationId: string;
  channelType: string;
  channelChatId: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  lastError: string | null;
  attempts: number;
  updateOfId: string | null;
  deliveryState: 'sent' | 'delivered' | 'read' | 'failed' | null;
  deliveryErrorCode: string | null;
  createdAt: string;
  sentAt: string | null;
}
interface Installation {
  id: string;
  channelType: string;
}

const STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
const PAGE_SIZE = 50;

const STATUS_BADGE: Record<OutboundMessage['status'], string> = {
  pending: 'idle',
  sending: 'warn',
  sent: 'ok',
  failed: 'bad',
};
const DELIVERY_BADGE: Record<NonNullable<OutboundMessage['deliveryState']>, string> = {
  sent: 'idle',
  delivered: 'ok',
  read: 'ok',
  failed: 'bad',
};

function deliveryCell(message: OutboundMessage) {
  if (!message.deliveryState) return html`<span class="muted">no report</span>`;
  return html`<span class="badge ${DELIVERY_BADGE[message.deliveryState]}">${message.deliveryState}</span>${
    message.deliveryErrorCode ? html` <code class="error-text">${message.deliveryErrorCode}</code>` : null
  }`;
}

/** What the workspace's installations sent: status of the send, and the platform's delivery report. */
export const outboundPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/console/w/:ws/outbound',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const filters = new URLSearchParams();
      if (query.installationId && /^[0-9a-f-]{36}$/i.test(query.installationId)) {
        filters.set('installationId', query.installationId);
      }
      if (query.status && (STATUSES as readonly string[]).includes(query.status))
        filters.set('status', query.status);
      const api = new URLSearchParams(filters);
      api.set('limit', String(PAGE_SIZE));
      if (query.cursor && /^[A-Za-z0-9_-]{1,200}$/.test(query.cursor)) api.set('cursor', query.cursor);
      const [listed, installations] = await Promise.all([
        context.api.get<{ items: OutboundMessage[]; nextCursor: string | null }>(
          context.apiPath(`outbound-messages?${api}`),
        ),
        context.api.get<{ items: Installation[] }>(context.apiPath('installations?limit=500')),
      ]);
      const nextCursor = listed.ok ? listed.body.nextCursor : null;
      const next = nextCursor ? new URLSearchParams(filters) : undefined;
      if (next && nextCursor) next.set('cursor', nextCursor);
      const body = html`<form class="card filters" method="get" action="${context.path('outbound')}">
<div class="field"><label for="f-installation">Installation</label><select id="f-installation" name="installationId"><option value="">all</option>${(
        installations.ok ? installations.body.items : []
      ).map(
        (i) =>
          html`<option value="${i.id}"${filters.get('installationId') === i.id ? html` selected` : ''}>${i.channelType} ${i.id.slice(0, 8)}</option>`,
      )}</select></div>
<div class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">all</option>${STATUSES.map(
        (s) => html`<option${filters.get('status') === s ? html` selected` : ''}>${s}</option>`,
      )}</select></div>
<button type="submit">Filter</button></form>
${listed.ok ? null : notice('error', listed.message)}
<table aria-label="Outbound messages"><thead><tr><th>Queued</th><th>Installation</th><th>Chat</th><th>Status</th><th>Delivery</th><th>Attempts</th><th>Sent</th></tr></thead><tbody>${
        listed.ok && listed.body.items.length > 0
          ? listed.body.items.map(
              (m) =>
                html`<tr data-message="${m.id}"><td>${when(m.createdAt)}</td><td>${m.channelType} <code>${m.installationId.slice(0, 8)}</code></td><td><code>${m.channelChatId}</code>${
                  m.updateOfId ? html` <span class="muted">(edit)</span>` : null
                }</td><td><span class="badge ${STATUS_BADGE[m.status]}">${m.status}</span>${
                  m.lastError ? html`<p class="error-text">${m.lastError}</p>` : null
                }</td><td>${deliveryCell(m)}</td><td>${m.attempts}</td><td>${when(m.sentAt)}</td></tr>`,
            )
          : html`<tr><td colspan="7" class="muted">No outbound messages match.</td></tr>`
      }</tbody></table>
<p class="pager">${api.has('cursor') ? html`<a href="${context.path(`outbound?${filters}`)}">Newest messages</a> ` : null}${
        next ? html`<a href="${context.path(`outbound?${next}`)}">Older messages</a>` : null
      }</p>`;
      return sendPage(reply, 200, context.page('Outbound messages', 'outbound', body));
    }),
  );
};
