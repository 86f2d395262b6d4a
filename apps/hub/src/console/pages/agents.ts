import type { FastifyPluginAsync } from 'fastify';
import { html } from '../html.js';
import { csrfField, notice, sendPage } from '../layout.js';
import { type ConsoleDeps, formOf, workspacePage } from '../routing.js';
import { ago } from './format.js';

interface Agent {
  id: string;
  name: string;
  deliveryUrl: string;
  eventTypes: string[];
}
interface Health {
  circuit: 'closed' | 'open' | 'half_open';
  consecutiveFailures: number;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  nextProbeAt: string | null;
}

const CIRCUIT: Record<Health['circuit'], string> = { closed: 'ok', half_open: 'warn', open: 'bad' };

/** Agents with their delivery health (circuit, failures, last success and error), and creation. */
export const agentPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  app.get(
    '/console/w/:ws/agents',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, _request, reply) => {
      const agents = await context.api.get<{ items: Agent[] }>(context.apiPath('agents?limit=500'));
      const items = agents.ok ? agents.body.items : [];
      const health = await Promise.all(
        items.map((a) => context.api.get<Health>(context.apiPath(`agents/${a.id}/health`))),
      );
      const body = html`<table aria-label="Agents"><thead><tr><th>Agent</th><th>Delivery URL</th><th>Circuit</th><th>Failures</th><th>Last success</th><th>Last error</th></tr></thead><tbody>${
        items.length === 0
          ? html`<tr><td colspan="6" class="muted">No agents yet.</td></tr>`
          : items.map((a, index) => {
              const h = health[index]?.ok ? (health[index] as { body: Health }).body : undefined;
              return html`<tr><td>${a.name}</td><td><code>${a.deliveryUrl}</code></td><td>${
                h ? html`<span class="badge ${CIRCUIT[h.circuit]}">${h.circuit.replace('_', ' ')}</span>` : ''
              }</td><td>${h?.consecutiveFailures ?? 0}</td><td>${ago(h?.lastSuccessAt)}</td><td>${
                h?.lastError
                  ? html`<span class="error-text">${h.lastError}</span> ${ago(h.lastErrorAt)}`
                  : html`<span class="muted">none</span>`
              }</td></tr>`;
            })
      }</tbody></table>
<h2>Add an agent</h2>
<form class="card narrow" method="post" action="${context.path('agents')}">${csrfField(context.session.csrf)}
<div class="field"><label for="agent-name">Name</label><input id="agent-name" name="name" required></div>
<div class="field"><label for="agent-url">Delivery URL</label><input id="agent-url" name="deliveryUrl" type="url" required aria-describedby="agent-url-hint"><p class="hint" id="agent-url-hint">The hub POSTs each message there, signed with the agent’s delivery secret.</p></div>
<button type="submit">Add agent</button></form>`;
      return sendPage(reply, 200, context.page('Agents', 'agents', body));
    }),
  );

  app.post(
    '/console/w/:ws/agents',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const form = formOf(request);
      const answer = await context.api.call<{ name: string; deliverySecret?: string }>(
        'POST',
        context.apiPath('agents'),
        {
          name: (form.get('name') ?? '').trim(),
          deliveryUrl: (form.get('deliveryUrl') ?? '').trim(),
        },
      );
      const body = answer.ok
        ? html`${notice('ok', html`Agent “${answer.body.name}” added.`)}${
            answer.body.deliverySecret
              ? html`<p>Its delivery secret, shown once (the agent verifies deliveries with it):</p>
<div class="copy-row"><label class="visually-hidden" for="delivery-secret">Delivery secret</label><input id="delivery-secret" readonly value="${answer.body.deliverySecret}"><button type="button" class="secondary" data-copy="delivery-secret">Copy</button></div>`
              : null
          }<p><a href="${context.path('agents')}">Back to agents</a></p>`
        : html`${notice('error', answer.message)}<p><a href="${context.path('agents')}">Back to agents</a></p>`;
      return sendPage(reply, answer.ok ? 201 : answer.status, context.page('Agents', 'agents', body));
    }),
  );
};
