import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleApi, workspaceApiPath } from '../api.js';
import { html } from '../html.js';
import { notice, renderPage, sendPage } from '../layout.js';
import { type ConsoleDeps, workspacePage } from '../routing.js';

interface MessageMinute {
  installationId: string;
  channelType: string;
  minute: string;
  inbound: number;
  delivered: number;
}
interface MessageActivity {
  window: '1h' | '24h';
  since: string;
  minutes: MessageMinute[];
}
interface ReasonActivity {
  since: string;
  reasons: Array<{ reason: string; count: number }>;
}

const WINDOWS = { '1h': 'Last hour', '24h': 'Last 24 hours' } as const;
type Window = keyof typeof WINDOWS;
const windowOf = (value: unknown): Window => (value === '24h' ? '24h' : '1h');

/** Totals per installation over the window: the chart's numbers as a table. */
function totals(minutes: MessageMinute[]) {
  const byInstallation = new Map<string, { channelType: string; inbound: number; delivered: number }>();
  for (const m of minutes) {
    const entry = byInstallation.get(m.installationId) ?? {
      channelType: m.channelType,
      inbound: 0,
      delivered: 0,
    };
    entry.inbound += m.inbound;
    entry.delivered += m.delivered;
    byInstallation.set(m.installationId, entry);
  }
  return [...byInstallation.entries()].map(([installationId, entry]) => ({ installationId, ...entry }));
}

/**
 * Answers a chart's JSON from the admin API, as the signed-in user: the API checks the session's
 * workspace and role, and its refusal (401/403/404) is passed on as JSON, never as a page.
 */
async function chartData(
  app: Parameters<FastifyPluginAsync>[0],
  request: FastifyRequest<{ Params: { ws: string } }>,
  reply: FastifyReply,
  rest: string,
): Promise<FastifyReply> {
  const session = request.consoleSession;
  reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
  if (!session) {
    return reply.code(401).send({ error: { code: 'unauthorized', message: 'sign in to the console' } });
  }
  const api = new ConsoleApi(app, request, session.token);
  const answer = await api.get(workspaceApiPath(request.params.ws, rest));
  if (answer.ok) return reply.code(200).send(answer.body);
  return reply.code(answer.status).send({ error: { code: answer.code, message: answer.message } });
}

/** Charts of the workspace's traffic (per minute, per installation) and of its decisions (by reason). */
export const activityPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get<{ Params: { ws: string }; Querystring: { window?: string } }>(
    '/console/w/:ws/activity/messages.json',
    { schema: { hide: true } },
    (request, reply) =>
      chartData(app, request, reply, `activity/messages?window=${windowOf(request.query.window)}`),
  );
  app.get<{ Params: { ws: string } }>(
    '/console/w/:ws/activity/reasons.json',
    { schema: { hide: true } },
    (request, reply) => chartData(app, request, reply, 'activity/reasons'),
  );

  app.get<{ Querystring: { window?: string } }>(
    '/console/w/:ws/activity',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const window = windowOf((request.query as { window?: string }).window);
      const [messages, reasons] = await Promise.all([
        context.api.get<MessageActivity>(context.apiPath(`activity/messages?window=${window}`)),
        context.api.get<ReasonActivity>(context.apiPath('activity/reasons')),
      ]);
      const perInstallation = messages.ok ? totals(messages.body.minutes) : [];
      const body = html`<form class="card filters" method="get" action="${context.path('activity')}">
<div class="field"><label for="window">Period</label><select id="window" name="window">${Object.entries(
        WINDOWS,
      ).map(
        ([value, label]) =>
          html`<option value="${value}"${value === window ? html` selected` : ''}>${label}</option>`,
      )}</select></div><button type="submit">Show</button></form>
<section class="card chart-card" aria-labelledby="messages-title">
<h2 id="messages-title">Inbound and delivered per minute</h2>
<p class="hint">${WINDOWS[window]}, per installation, in UTC. Solid: received; dashed: delivered to the agent.</p>
<div class="chart-box"><canvas id="messages-chart" data-chart="messages" data-src="${context.path(`activity/messages.json?window=${window}`)}" role="img" aria-label="Inbound and delivered events per minute per installation, ${WINDOWS[window].toLowerCase()}"></canvas></div>
${messages.ok ? null : notice('error', messages.message)}
<table aria-label="Messages per installation"><thead><tr><th>Installation</th><th>Received</th><th>Delivered</th></tr></thead><tbody>${
        perInstallation.length === 0
          ? html`<tr><td colspan="3" class="muted">No messages in this period.</td></tr>`
          : perInstallation.map(
              (t) =>
                html`<tr data-installation="${t.installationId}"><td>${t.channelType} <code>${t.installationId.slice(0, 8)}</code></td><td>${t.inbound}</td><td>${t.delivered}</td></tr>`,
            )
      }</tbody></table></section>
<section class="card chart-card" aria-labelledby="reasons-title">
<h2 id="reasons-title">Decisions by reason, last 24 hours</h2>
<p class="hint">Why the hub delivered, dropped or held each inbound event (the audit log’s reasons).</p>
<div class="chart-box"><canvas id="reasons-chart" data-chart="reasons" data-src="${context.path('activity/reasons.json')}" role="img" aria-label="Decisions by audit reason over the last 24 hours"></canvas></div>
${reasons.ok ? null : notice('error', reasons.message)}
<table aria-label="Decisions by reason"><thead><tr><th>Reason</th><th>Count</th></tr></thead><tbody>${
        reasons.ok && reasons.body.reasons.length > 0
          ? reasons.body.reasons.map(
              (r) =>
                html`<tr><td><a href="${context.path(`audit?reason=${encodeURIComponent(r.reason)}`)}">${r.reason}</a></td><td>${r.count}</td></tr>`,
            )
          : html`<tr><td colspan="2" class="muted">No decisions in the last 24 hours.</td></tr>`
      }</tbody></table></section>`;
      return sendPage(
        reply,
        200,
        renderPage(
          { ...context.chrome('Activity', 'activity'), scripts: ['chart.umd.min.js', 'activity-charts.js'] },
          body,
        ),
      );
    }),
  );
};
