import type { FastifyPluginAsync } from 'fastify';
import { type ApiFailure, issuesOf } from '../api.js';
import type { PageContext } from '../context.js';
import { type Html, type HtmlValue, html } from '../html.js';
import { csrfField, notice, renderPage, sendHtml, sendPage } from '../layout.js';
import { type ConsoleDeps, formOf, workspacePage } from '../routing.js';
import {
  type FieldErrors,
  type ObjectSchema,
  policySchema,
  readFields,
  renderFields,
  withPolicyHelp,
} from '../schema-form.js';
import { apiAction, button, uuidParam } from './actions.js';
import { ago, when } from './format.js';
import { trafficCard } from './traffic-card.js';

interface ChannelType {
  type: string;
  displayName: string;
  kind: 'channel' | 'account-provisioner';
  capabilities: string[];
  configSchema: ObjectSchema;
}
interface Installation {
  id: string;
  agentId: string | null;
  channelType: string;
  status: 'active' | 'revoked';
  webhookUrl: string;
  config: Record<string, unknown>;
  secretsSet: string[];
  createdAt: string;
}
interface Problem {
  code: string;
  message: string;
  hint: string;
  since: string;
}
interface Runtime {
  problems?: Problem[];
  connected: boolean;
  connectionState: string | null;
  leaseHolder: string | null;
  lastInboundAt: string | null;
  lastOutboundAt: string | null;
  lastError: string | null;
  lastErrorHint: string | null;
  reconnectCount: number;
  reconnectAttempts: number;
  inboxBacklog: number;
  deadLetters: number;
}
interface InstallationDetail extends Installation {
  runtime: Runtime;
  /** The platform-side steps its plugin declares, with this installation's webhook URL in them. */
  setupSteps?: string[];
}
interface Agent {
  id: string;
  name: string;
}
interface Parking {
  parked: boolean;
  parkedAt: string | null;
}

const POLICY = 'policy';
const CONFIG = 'config';

/** The badge of a connection state: what an operator should feel about it. */
function stateBadge(status: Installation['status'], runtime: Runtime | undefined): Html {
  if (status === 'revoked') return html`<span class="badge idle">revoked</span>`;
  const state = runtime?.connectionState ?? null;
  if (runtime?.connected || state === 'connected' || state === 'receiving')
    return html`<span class="badge ok">${state === 'receiving' ? 'receiving' : 'connected'}</span>`;
  if (
    state === 'backoff' ||
    state === 'failed' ||
    state === 'stopped' ||
    (runtime?.lastError && state !== 'parked')
  )
    return html`<span class="badge bad">${state === 'stopped' ? 'stopped' : 'failed'}</span>`;
  if (state === 'parked') return html`<span class="badge idle">parked</span>`;
  if (state === 'connecting') return html`<span class="badge warn">connecting</span>`;
  // A webhook installation has no connection: its traffic is what shows it works.
  if (runtime?.lastInboundAt) return html`<span class="badge ok">receiving</span>`;
  return html`<span class="badge idle">waiting for traffic</span>`;
}

/** Each problem the health monitor found: its code, what is wrong, and what fixes it. */
function problemList(problems: Problem[] | undefined, now: number): Html {
  if (!problems || problems.length === 0) return html`<span class="muted">none</span>`;
  return html`${problems.map(
    (
      problem,
    ) => html`<div class="problem" data-problem="${problem.code}"><p><code>${problem.code}</code> <span class="muted">since ${ago(problem.since, now)}</span></p>
<p>${problem.message}</p><p class="hint">Fix: ${problem.hint}</p></div>`,
  )}`;
}

function typeName(types: ChannelType[], type: string): string {
  return types.find((t) => t.type === type)?.displayName ?? type;
}

/** Field errors by config key from a 400 answer; what cannot be placed goes to the top. */
function placeErrors(failure: ApiFailure, keys: Set<string>): { fields: FieldErrors; general: string[] } {
  const fields: FieldErrors = {};
  const general: string[] = [];
  const add = (key: string, message: string) => {
    fields[key] = [...(fields[key] ?? []), message];
  };
  for (const issue of issuesOf(failure)) {
    const path = issue.path[0] === 'config' ? issue.path.slice(1) : issue.path;
    const key = String(path[0] ?? '');
    if (keys.has(key)) add(key, issue.message);
    else general.push(issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
  }
  // The URL-change rule: name the secrets to enter again beside their fields.
  const missing = (failure.details as { missing?: unknown } | undefined)?.missing;
  if (failure.code === 'secrets_required' && Array.isArray(missing)) {
    for (const key of missing) add(String(key), 'enter it again: the address changed');
  }
  const platformField = (failure.details as { field?: unknown } | undefined)?.field;
  if (failure.code === 'config_rejected' && typeof platformField === 'string' && keys.has(platformField)) {
    add(platformField, failure.message);
  } else if (failure.code !== 'invalid_config' && failure.code !== 'secrets_required') {
    general.unshift(failure.message);
  }
  if (general.length === 0) general.push('Not saved: fix the fields marked below.');
  return { fields, general };
}

async function channelTypes(context: PageContext): Promise<ChannelType[]> {
  const answer = await context.api.get<{ items: ChannelType[] }>('/api/v1/channel-types?limit=500');
  return answer.ok
    ? answer.body.items.map((type) => ({ ...type, configSchema: withPolicyHelp(type.configSchema) }))
    : [];
}

async function statusRows(context: PageContext): Promise<Html> {
  const [listed, types] = await Promise.all([
    context.api.get<{ items: Installation[] }>(context.apiPath('installations?limit=500')),
    channelTypes(context),
  ]);
  const items = listed.ok ? listed.body.items : [];
  const [statuses, parking] = await Promise.all([
    Promise.all(
      items.map((i) =>
        context.api.get<{ runtime: Runtime }>(context.apiPath(`installations/${i.id}/status`)),
      ),
    ),
    Promise.all(items.map((i) => context.api.get<Parking>(context.apiPath(`installations/${i.id}/parking`)))),
  ]);
  const now = Date.now();
  return html`<tbody id="installation-rows" hx-get="${context.path('installations/rows')}" hx-trigger="every 1s" hx-swap="outerHTML">${
    items.length === 0
      ? html`<tr><td colspan="8" class="muted">No installations yet. Install a channel below.</td></tr>`
      : items.map((installation, index) => {
          const status = statuses[index];
          const runtime = status?.ok ? status.body.runtime : undefined;
          const parked = parking[index]?.ok === true && (parking[index] as { body: Parking }).body.parked;
          return html`<tr data-installation="${installation.id}">
<td><a href="${context.path(`installations/${installation.id}`)}">${typeName(types, installation.channelType)}</a><br><code class="muted">${installation.id.slice(0, 8)}</code></td>
<td class="state">${parked && installation.status === 'active' ? html`<span class="badge idle">parked</span>` : stateBadge(installation.status, runtime)}</td>
<td>${runtime?.leaseHolder ?? html`<span class="muted">none</span>`}</td>
<td class="last-inbound">${ago(runtime?.lastInboundAt, now)}</td>
<td>${ago(runtime?.lastOutboundAt, now)}</td>
<td class="problems">${problemList(runtime?.problems, now)}</td>
<td>${
            runtime?.lastError
              ? html`<span class="error-text">${runtime.lastError}</span>${
                  runtime.lastErrorHint ? html`<p class="hint">Fix: ${runtime.lastErrorHint}</p>` : null
                }`
              : html`<span class="muted">none</span>`
          }</td>
<td>${runtime ? runtime.reconnectCount : 0}</td></tr>`;
        })
  }</tbody>`;
}

/** The health monitor's findings on the installation page, refreshed every 2 s. */
function healthSection(context: PageContext, id: string, runtime: Runtime | undefined): Html {
  const problems = runtime?.problems ?? [];
  return html`<section id="health" aria-labelledby="health-title" hx-get="${context.path(`installations/${id}/health`)}" hx-trigger="every 2s" hx-swap="outerHTML"><h2 id="health-title">Health</h2>${
    problems.length
      ? problemList(problems, Date.now())
      : html`<p class="muted">The health monitor found no problems.</p>`
  }</section>`;
}

function installForm(
  context: PageContext,
  type: ChannelType,
  agents: Agent[],
  state: {
    values: Record<string, unknown>;
    policy: Record<string, unknown>;
    agentId?: string;
    fields: FieldErrors;
    general: string[];
  },
): Html {
  const isChannel = type.kind === 'channel';
  return html`${state.general.length ? notice('error', state.general.join(' ')) : null}
<form class="card" method="post" action="${context.path('installations')}" novalidate>${csrfField(context.session.csrf)}
<input type="hidden" name="channelType" value="${type.type}">
${
  isChannel
    ? html`<div class="field${state.fields.agentId ? ' invalid' : ''}"><label for="agentId">Agent <span class="req">(required)</span></label>
<select id="agentId" name="agentId">${agents.map(
        (a) =>
          html`<option value="${a.id}"${a.id === state.agentId ? html` selected` : ''}>${a.name}</option>`,
      )}</select><p class="hint">Where this channel’s messages are delivered.</p>${
        state.fields.agentId ? html`<p class="error-text">${state.fields.agentId.join('; ')}</p>` : null
      }</div>`
    : null
}
<fieldset><legend>${type.displayName} settings</legend>
${renderFields(type.configSchema, { prefix: CONFIG, values: state.values, errors: state.fields })}
</fieldset>
${
  isChannel
    ? html`<fieldset><legend>Hub settings</legend>${renderFields(policySchema(type.configSchema), {
        prefix: POLICY,
        values: state.policy,
        errors: state.fields,
      })}</fieldset>`
    : null
}
<button type="submit">Install ${type.displayName}</button></form>`;
}

function editForm(
  context: PageContext,
  type: ChannelType,
  installation: Installation,
  fields: FieldErrors,
): Html {
  const policy = policySchema(type.configSchema);
  const policyKeys = new Set(Object.keys(policy.properties ?? {}));
  const values = Object.fromEntries(
    Object.entries(installation.config).filter(([key]) => !policyKeys.has(key)),
  );
  const policyValues = Object.fromEntries(
    Object.entries(installation.config).filter(([key]) => policyKeys.has(key)),
  );
  return html`<form class="card" method="post" action="${context.path(`installations/${installation.id}`)}" novalidate>${csrfField(context.session.csrf)}
<p class="hint">Changing an address (a URL or host) needs every secret again in the same change.</p>
<fieldset><legend>${type.displayName} settings</legend>
${renderFields(type.configSchema, { prefix: CONFIG, values, errors: fields, editing: true, secretsSet: installation.secretsSet })}
</fieldset>
${
  type.kind === 'channel'
    ? html`<fieldset><legend>Hub settings</legend>${renderFields(policy, { prefix: POLICY, values: policyValues, errors: fields })}</fieldset>`
    : null
}
<button type="submit">Save changes</button></form>`;
}

function allKeys(type: ChannelType): Set<string> {
  return new Set([
    ...Object.keys(type.configSchema.properties ?? {}),
    ...Object.keys(policySchema(type.configSchema).properties ?? {}),
  ]);
}

function submitted(type: ChannelType, form: URLSearchParams) {
  const values = readFields(type.configSchema, form, CONFIG);
  const policy = type.kind === 'channel' ? readFields(policySchema(type.configSchema), form, POLICY) : {};
  return { values, policy, config: { ...values, ...policy } };
}

/** Installations: live status, the install form from each type's JSON Schema, edit and revoke. */
export const installationPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  const admin = { adminOnly: true };

  app.get<{ Querystring: { done?: string } }>(
    '/console/w/:ws/installations',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, request, reply) => {
      const types = await channelTypes(context);
      const done = (request.query as { done?: string }).done;
      const body: HtmlValue = html`${done === 'revoked' ? notice('ok', 'The installation is revoked.') : null}
<p class="muted">Live: this table refreshes every second from the status API.</p>
<table aria-label="Installations"><thead><tr><th>Channel</th><th>State</th><th>Lease holder</th><th>Last inbound</th><th>Last outbound</th><th>Problems</th><th>Last error</th><th>Reconnects</th></tr></thead>
${await statusRows(context)}</table>
${await trafficCard(context)}
<h2>Install a channel</h2>
<div class="actions">${types.map(
        (t) =>
          html`<a class="button secondary" href="${context.path(`installations/new?type=${encodeURIComponent(t.type)}`)}">${t.displayName}</a>`,
      )}</div>`;
      return sendPage(
        reply,
        200,
        renderPage(
          {
            ...context.chrome('Installations', 'installations'),
            scripts: ['chart.umd.min.js', 'activity-charts.js'],
          },
          body,
        ),
      );
    }),
  );

  app.get(
    '/console/w/:ws/installations/rows',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, _request, reply) =>
      sendHtml(reply, 200, await statusRows(context)),
    ),
  );

  const agentsOf = async (context: PageContext) => {
    const answer = await context.api.get<{ items: Agent[] }>(context.apiPath('agents?limit=500'));
    return answer.ok ? answer.body.items : [];
  };

  app.get<{ Querystring: { type?: string } }>(
    '/console/w/:ws/installations/new',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, request, reply) => {
      const wanted = (request.query as { type?: string }).type;
      const type = (await channelTypes(context)).find((t) => t.type === wanted);
      if (!type)
        return sendPage(
          reply,
          404,
          context.page('Unknown channel type', 'installations', 'This hub serves no such channel type.'),
        );
      const agents = await agentsOf(context);
      const body =
        type.kind === 'channel' && agents.length === 0
          ? notice('info', html`Create an agent first: <a href="${context.path('agents')}">Agents</a>.`)
          : installForm(context, type, agents, { values: {}, policy: {}, fields: {}, general: [] });
      return sendPage(reply, 200, context.page(`Install ${type.displayName}`, 'installations', body));
    }),
  );

  app.post(
    '/console/w/:ws/installations',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, request, reply) => {
      const form = formOf(request);
      const type = (await channelTypes(context)).find((t) => t.type === form.get('channelType'));
      if (!type)
        return sendPage(
          reply,
          400,
          context.page('Unknown channel type', 'installations', 'This hub serves no such channel type.'),
        );
      const { values, policy, config } = submitted(type, form);
      const agentId = form.get('agentId') ?? undefined;
      const answer = await context.api.call<Installation>('POST', context.apiPath('installations'), {
        channelType: type.type,
        config,
        ...(type.kind === 'channel' && agentId ? { agentId } : {}),
      });
      if (answer.ok)
        return reply.redirect(context.path(`installations/${answer.body.id}?done=installed`), 303);
      const placed = placeErrors(answer, allKeys(type));
      const agents = await agentsOf(context);
      return sendPage(
        reply,
        answer.status,
        context.page(
          `Install ${type.displayName}`,
          'installations',
          installForm(context, type, agents, { values, policy, ...(agentId ? { agentId } : {}), ...placed }),
        ),
      );
    }),
  );

  async function detail(context: PageContext, id: string) {
    const [installation, types, parking] = await Promise.all([
      context.api.get<InstallationDetail>(context.apiPath(`installations/${encodeURIComponent(id)}`)),
      channelTypes(context),
      context.api.get<Parking>(context.apiPath(`installations/${encodeURIComponent(id)}/parking`)),
    ]);
    if (!installation.ok) return null;
    const parked: Parking = parking.ok ? parking.body : { parked: false, parkedAt: null };
    const type = types.find((t) => t.type === installation.body.channelType) ?? {
      type: installation.body.channelType,
      displayName: installation.body.channelType,
      kind: 'channel' as const,
      capabilities: [],
      configSchema: {},
    };
    return { installation: installation.body, type, parked };
  }

  function detailBody(
    context: PageContext,
    found: { installation: InstallationDetail; type: ChannelType; parked: Parking },
    top: HtmlValue,
    fields: FieldErrors,
  ): Html {
    const { installation, type } = found;
    const webhook = type.capabilities.includes('webhook') || type.kind === 'account-provisioner';
    const steps = installation.setupSteps ?? [];
    return html`${top}
${healthSection(context, installation.id, installation.status === 'active' ? installation.runtime : undefined)}
<dl class="facts"><dt>State</dt><dd>${stateBadge(installation.status, installation.runtime)}</dd>
<dt>Type</dt><dd>${type.displayName}</dd><dt>Installed</dt><dd>${when(installation.createdAt)}</dd>
<dt>Secrets stored</dt><dd>${installation.secretsSet.length ? installation.secretsSet.join(', ') : 'none'}</dd></dl>
${
  webhook || installation.webhookUrl
    ? html`<h2>Webhook URL</h2><p class="hint">Paste it into the platform’s app settings as the request or callback URL${
        webhook ? '' : ' (not needed for a long connection)'
      }.</p>
<div class="copy-row"><label class="visually-hidden" for="webhook-url">Webhook URL</label><input id="webhook-url" readonly value="${installation.webhookUrl}"><button type="button" class="secondary" data-copy="webhook-url">Copy</button></div>${
        steps.length
          ? html`<h3 id="setup-steps">Set up ${type.displayName}</h3><ol class="steps" aria-labelledby="setup-steps">${steps.map(
              (step) => html`<li>${step}</li>`,
            )}</ol>`
          : null
      }`
    : null
}
${
  installation.status === 'active'
    ? html`${
        type.capabilities.includes('long_connection')
          ? html`<h2>Connection</h2>${
              found.parked.parked
                ? html`<p>Parked since ${when(found.parked.parkedAt)}: no replica holds its connection.</p>${button(
                    context,
                    context.path(`installations/${installation.id}/unpark`),
                    'Unpark',
                  )}`
                : html`<p class="hint">Parking closes the long connection (webhooks keep working) until you unpark it.</p>${button(
                    context,
                    context.path(`installations/${installation.id}/park`),
                    'Park connection',
                  )}`
            }`
          : null
      }<h2>Settings</h2>${editForm(context, type, installation, fields)}
<h2>Revoke</h2><form method="post" action="${context.path(`installations/${installation.id}/revoke`)}">${csrfField(context.session.csrf)}
<p class="hint">The hub stops accepting its events and drops its connection. The record is kept.</p>
<button type="submit" class="danger">Revoke installation</button></form>`
    : null
}`;
  }

  app.get<{ Params: { id: string } }>(
    '/console/w/:ws/installations/:id/health',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, request, reply) => {
      const id = uuidParam((request.params as { id: string }).id);
      const status = await context.api.get<{ status: string; runtime: Runtime }>(
        context.apiPath(`installations/${id}/status`),
      );
      if (!status.ok) return sendHtml(reply, status.status, html`<section id="health"></section>`);
      return sendHtml(
        reply,
        200,
        healthSection(context, id, status.body.status === 'active' ? status.body.runtime : undefined),
      );
    }),
  );

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/console/w/:ws/installations/:id',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, request, reply) => {
      const found = await detail(context, (request.params as { id: string }).id);
      if (!found)
        return sendPage(reply, 404, context.page('Not found', 'installations', 'No such installation.'));
      const done = (request.query as { done?: string }).done;
      const top =
        done === 'parked' || done === 'unparked'
          ? notice(
              'ok',
              done === 'parked' ? 'The connection is parked.' : 'Unparked: a replica connects it shortly.',
            )
          : done === 'installed'
            ? notice('ok', `${found.type.displayName} is installed.`)
            : done === 'saved'
              ? notice('ok', 'Saved.')
              : null;
      return sendPage(
        reply,
        200,
        context.page(
          `${found.type.displayName} installation`,
          'installations',
          detailBody(context, found, top, {}),
        ),
      );
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/console/w/:ws/installations/:id',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, request, reply) => {
      const id = (request.params as { id: string }).id;
      const found = await detail(context, id);
      if (!found)
        return sendPage(reply, 404, context.page('Not found', 'installations', 'No such installation.'));
      const { config } = submitted(found.type, formOf(request));
      const answer = await context.api.call(
        'PATCH',
        context.apiPath(`installations/${found.installation.id}`),
        { config },
      );
      if (answer.ok)
        return reply.redirect(context.path(`installations/${found.installation.id}?done=saved`), 303);
      const placed = placeErrors(answer, allKeys(found.type));
      return sendPage(
        reply,
        answer.status,
        context.page(
          `${found.type.displayName} installation`,
          'installations',
          detailBody(
            context,
            found,
            notice('error', placed.general.join(' ') || 'Not saved.'),
            placed.fields,
          ),
        ),
      );
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/console/w/:ws/installations/:id/revoke',
    { schema: { hide: true } },
    workspacePage(app, admin, async (context, request, reply) => {
      const id = encodeURIComponent((request.params as { id: string }).id);
      const answer = await context.api.call('DELETE', context.apiPath(`installations/${id}`));
      if (!answer.ok)
        return sendPage(
          reply,
          answer.status,
          context.page('Not revoked', 'installations', notice('error', answer.message)),
        );
      return reply.redirect(context.path('installations?done=revoked'), 303);
    }),
  );
};

/** Park and unpark buttons (registered with the other installation pages). */
export const parkingActions: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  for (const [action, method, done] of [
    ['park', 'PUT', 'parked'],
    ['unpark', 'DELETE', 'unparked'],
  ] as const) {
    apiAction(
      app,
      `/console/w/:ws/installations/:id/${action}`,
      {
        current: 'installations',
        done,
        back: (c, params) => c.path(`installations/${uuidParam(params.id)}`),
      },
      (context, _form, params) => ({
        method,
        path: context.apiPath(`installations/${uuidParam(params.id)}/parking`),
      }),
    );
  }
};
