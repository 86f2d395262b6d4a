import { auditReasons } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { html } from '../html.js';
import { notice, sendPage } from '../layout.js';
import { type ConsoleDeps, workspacePage } from '../routing.js';
import { when } from './format.js';

interface AuditEntry {
  id: string;
  reason: string;
  installationId: string | null;
  channelType: string | null;
  platformEventId: string | null;
  channelUserId: string | null;
  userId: string | null;
  createdAt: string;
}
interface Installation {
  id: string;
  channelType: string;
}

const FILTERS = ['installationId', 'reason', 'platformEventId'] as const;
const PAGE_SIZE = 50;

/** The audit log, filtered by installation, reason and event id, newest first, with paging. */
export const auditPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/console/w/:ws/audit',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const filters = new URLSearchParams();
      for (const key of FILTERS) {
        const value = query[key]?.trim();
        if (value) filters.set(key, value.slice(0, 256));
      }
      const api = new URLSearchParams(filters);
      api.set('limit', String(PAGE_SIZE));
      if (query.cursor && /^\d{1,19}$/.test(query.cursor)) api.set('cursor', query.cursor);
      const [listed, installations] = await Promise.all([
        context.api.get<{ items: AuditEntry[]; nextCursor: string | null }>(context.apiPath(`audit?${api}`)),
        context.api.get<{ items: Installation[] }>(context.apiPath('installations?limit=500')),
      ]);
      const next = listed.ok && listed.body.nextCursor ? new URLSearchParams(filters) : undefined;
      if (next && listed.ok && listed.body.nextCursor) next.set('cursor', listed.body.nextCursor);
      const body = html`<form class="card filters" method="get" action="${context.path('audit')}">
<div class="field"><label for="f-installation">Installation</label><select id="f-installation" name="installationId"><option value="">all</option>${(
        installations.ok ? installations.body.items : []
      ).map(
        (i) =>
          html`<option value="${i.id}"${filters.get('installationId') === i.id ? html` selected` : ''}>${i.channelType} ${i.id.slice(0, 8)}</option>`,
      )}</select></div>
<div class="field"><label for="f-reason">Reason</label><select id="f-reason" name="reason"><option value="">all</option>${auditReasons.map(
        (r) => html`<option${filters.get('reason') === r ? html` selected` : ''}>${r}</option>`,
      )}</select></div>
<div class="field"><label for="f-event">Event id</label><input id="f-event" name="platformEventId" value="${filters.get('platformEventId') ?? ''}"></div>
<button type="submit">Filter</button></form>
${listed.ok ? null : notice('error', listed.message)}
<table aria-label="Audit log"><thead><tr><th>When</th><th>Reason</th><th>Channel</th><th>Event</th><th>Chat user</th><th>User</th></tr></thead><tbody>${
        listed.ok && listed.body.items.length > 0
          ? listed.body.items.map(
              (e) =>
                html`<tr><td>${when(e.createdAt)}</td><td><span class="badge ${
                  e.reason === 'delivered' || e.reason === 'accepted' ? 'ok' : 'idle'
                }">${e.reason}</span></td><td>${e.channelType ?? ''}</td><td><code>${e.platformEventId ?? ''}</code></td><td><code>${e.channelUserId ?? ''}</code></td><td><code>${e.userId?.slice(0, 8) ?? ''}</code></td></tr>`,
            )
          : html`<tr><td colspan="6" class="muted">Nothing matches.</td></tr>`
      }</tbody></table>
${next ? html`<p class="pager"><a href="${context.path(`audit?${next}`)}">Older entries</a></p>` : null}`;
      return sendPage(reply, 200, context.page('Audit log', 'audit', body));
    }),
  );
};
