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
interface Member {
  userId: string;
  username: string;
}

const PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// What a datetime-local input sends (minutes, maybe seconds), read as UTC like every time shown here.
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** The page's filters as the API takes them; anything malformed is dropped, not passed on. */
function readFilters(query: Record<string, string | undefined>): URLSearchParams {
  const filters = new URLSearchParams();
  const value = (key: string) => query[key]?.trim() ?? '';
  if (UUID.test(value('installationId'))) filters.set('installationId', value('installationId'));
  if ((auditReasons as readonly string[]).includes(value('reason'))) filters.set('reason', value('reason'));
  if (value('platformEventId')) filters.set('platformEventId', value('platformEventId').slice(0, 256));
  if (UUID.test(value('userId'))) filters.set('userId', value('userId'));
  for (const key of ['since', 'until']) {
    if (LOCAL_TIME.test(value(key))) filters.set(key, value(key));
  }
  return filters;
}

function apiQuery(filters: URLSearchParams, cursor: string | undefined): URLSearchParams {
  const api = new URLSearchParams();
  for (const [key, value] of filters) {
    api.set(
      key,
      key === 'since' || key === 'until' ? `${value.length === 16 ? `${value}:00` : value}Z` : value,
    );
  }
  api.set('limit', String(PAGE_SIZE));
  if (cursor && /^\d{1,19}$/.test(cursor)) api.set('cursor', cursor);
  return api;
}

/**
 * The audit log, filtered by installation, reason, event id, user and time range (UTC), newest
 * first, with paging.
 */
export const auditPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/console/w/:ws/audit',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const filters = readFilters(query);
      const api = apiQuery(filters, query.cursor);
      const [listed, installations, members] = await Promise.all([
        context.api.get<{ items: AuditEntry[]; nextCursor: string | null }>(context.apiPath(`audit?${api}`)),
        context.api.get<{ items: Installation[] }>(context.apiPath('installations?limit=500')),
        context.api.get<{ items: Member[] }>(context.apiPath('members?limit=500')),
      ]);
      const usernames = new Map((members.ok ? members.body.items : []).map((m) => [m.userId, m.username]));
      const nextCursor = listed.ok ? listed.body.nextCursor : null;
      const next = nextCursor ? new URLSearchParams(filters) : undefined;
      if (next && nextCursor) next.set('cursor', nextCursor);
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
<div class="field"><label for="f-user">User</label><select id="f-user" name="userId"><option value="">all</option>${[
        ...usernames,
      ].map(
        ([id, username]) =>
          html`<option value="${id}"${filters.get('userId') === id ? html` selected` : ''}>${username}</option>`,
      )}</select></div>
<div class="field"><label for="f-since">From (UTC)</label><input id="f-since" name="since" type="datetime-local" value="${filters.get('since') ?? ''}"></div>
<div class="field"><label for="f-until">Until (UTC)</label><input id="f-until" name="until" type="datetime-local" value="${filters.get('until') ?? ''}"></div>
<button type="submit">Filter</button>${
        [...filters].length > 0
          ? html` <a class="button secondary" href="${context.path('audit')}">Clear</a>`
          : null
      }</form>
${listed.ok ? null : notice('error', listed.message)}
<table aria-label="Audit log"><thead><tr><th>When</th><th>Reason</th><th>Channel</th><th>Event</th><th>Chat user</th><th>User</th></tr></thead><tbody>${
        listed.ok && listed.body.items.length > 0
          ? listed.body.items.map(
              (e) =>
                html`<tr><td>${when(e.createdAt)}</td><td><span class="badge ${
                  e.reason === 'delivered' || e.reason === 'accepted' ? 'ok' : 'idle'
                }">${e.reason}</span></td><td>${e.channelType ?? ''}</td><td><code>${e.platformEventId ?? ''}</code></td><td><code>${e.channelUserId ?? ''}</code></td><td>${
                  e.userId ? (usernames.get(e.userId) ?? html`<code>${e.userId.slice(0, 8)}</code>`) : ''
                }</td></tr>`,
            )
          : html`<tr><td colspan="6" class="muted">Nothing matches.</td></tr>`
      }</tbody></table>
<p class="pager">${api.has('cursor') ? html`<a href="${context.path(`audit?${filters}`)}">Newest entries</a> ` : null}${
        next ? html`<a href="${context.path(`audit?${next}`)}">Older entries</a>` : null
      }</p>`;
      return sendPage(reply, 200, context.page('Audit log', 'audit', body));
    }),
  );
};
