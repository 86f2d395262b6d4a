import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { PageContext } from '../context.js';
import { type HtmlValue, html } from '../html.js';
import { csrfField, notice, sendPage } from '../layout.js';
import { type ConsoleDeps, formOf, workspacePage } from '../routing.js';
import { apiAction, button, uuidParam } from './actions.js';
import { ago, verificationBadge, when } from './format.js';

interface Member {
  userId: string;
  username: string;
  email: string | null;
  role: string;
  createdAt: string;
}
interface Identity {
  namespace: string;
  identifier: string;
  source: string;
  status: string;
  createdAt: string;
}
interface Installation {
  id: string;
  agentId: string | null;
  channelType: string;
  status: string;
}
interface ChannelType {
  type: string;
  displayName: string;
  kind: string;
}
interface Account {
  id: string;
  installationId: string;
  channelType: string;
  state: string;
  externalId: string | null;
  detail: Record<string, unknown>;
  grants: Array<{ kind: string; target: string }>;
  expiresAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  nextStep: string;
}

/** What a problem with one of the page's forms looks like: which form, and what to say beside it. */
interface FormProblem {
  form: 'phone' | `grant:${string}` | `verify:${string}`;
  message: string;
  /** What was typed, shown again. */
  values?: Record<string, string>;
}

const DONE: Record<string, string> = {
  linked: 'The phone number is linked.',
  already_linked: 'That phone number was already linked to this member.',
  code_sent: 'A code is on its way; the member enters it under “My links”.',
  granted: 'Access requested; the invitation is listed below.',
  account_canceled: 'The request is canceled and its invitation withdrawn.',
  account_retried: 'Asked the platform again.',
};

/** The link call's refusals in the console's words; others show the API's own sentence. */
const LINK_REFUSALS: Record<string, string> = {
  no_member: 'This person is no longer a member of the workspace.',
  identity_exists: 'Another user holds this phone number.',
  identity_deactivated: 'This phone number was deactivated and cannot be linked again.',
};

const OPEN_ACCOUNT_STATES = new Set(['pending', 'invited']);
const RETRYABLE_ACCOUNT_STATES = new Set(['failed', 'expired', 'canceled']);

function fieldError(problem: FormProblem | undefined, form: FormProblem['form'], id: string): HtmlValue {
  return problem?.form === form
    ? html`<p class="error-text" id="${id}" role="alert">${problem.message}</p>`
    : null;
}

/**
 * One member, for admins: their identities and how far each is proven, linking a phone number
 * (the admin API's link-identity call, whose refusals show beside the field), and platform access
 * through the workspace's account-provisioner installations with the pending invitations' age.
 */
export const memberDetailPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  async function show(
    context: PageContext,
    reply: FastifyReply,
    userId: string,
    status: number,
    top: HtmlValue,
    problem?: FormProblem,
  ): Promise<FastifyReply> {
    const [members, identities, installations, types, accounts] = await Promise.all([
      context.api.get<{ items: Member[] }>(context.apiPath('members?limit=500')),
      context.api.get<{ items: Identity[] }>(context.apiPath(`members/${userId}/identities?limit=500`)),
      context.api.get<{ items: Installation[] }>(context.apiPath('installations?limit=500')),
      context.api.get<{ items: ChannelType[] }>('/api/v1/channel-types?limit=500'),
      context.api.get<{ accounts: Account[] }>(context.apiPath(`members/${userId}/accounts`)),
    ]);
    const member = members.ok ? members.body.items.find((m) => m.userId === userId) : undefined;
    if (!member) {
      return sendPage(
        reply,
        404,
        context.page(
          'No such member',
          'members',
          html`<p>This person is not a member of the workspace.</p><p><a href="${context.path('members')}">Back to members</a></p>`,
        ),
      );
    }
    const typeInfo = new Map((types.ok ? types.body.items : []).map((t) => [t.type, t]));
    const active = (installations.ok ? installations.body.items : []).filter((i) => i.status === 'active');
    const provisioners = active.filter(
      (i) => i.agentId === null && typeInfo.get(i.channelType)?.kind === 'account-provisioner',
    );
    const chatInstallations = active.filter((i) => i.agentId !== null);
    const nameOf = (channelType: string) => typeInfo.get(channelType)?.displayName ?? channelType;
    const installationLabel = (i: { id: string; channelType: string }) =>
      `${nameOf(i.channelType)} ${i.id.slice(0, 8)}`;
    const path = (rest: string) => context.path(`members/${member.userId}/${rest}`);
    const csrf = csrfField(context.session.csrf);
    const typed = (key: string) => problem?.values?.[key] ?? '';

    const identityRows = identities.ok ? identities.body.items : [];
    const phoneProblem = fieldError(problem, 'phone', 'phone-error');
    const body = html`${top}
<dl class="facts card-facts"><dt>Username</dt><dd>${member.username}</dd><dt>Email</dt><dd>${member.email ?? html`<span class="muted">none</span>`}</dd><dt>Role</dt><dd>${member.role}</dd><dt>Member since</dt><dd>${when(member.createdAt)}</dd></dl>
<h2>Identities</h2>
${
  !identities.ok
    ? notice('error', identities.message)
    : identityRows.length === 0
      ? html`<p class="muted">No identities recorded.</p>`
      : html`<table aria-label="Identities"><thead><tr><th>Kind</th><th>Identifier</th><th>Verification</th><th>Since</th><th></th></tr></thead><tbody>${identityRows.map(
          (i) =>
            html`<tr><td>${i.namespace}</td><td class="nowrap"><code>${i.identifier}</code></td><td>${verificationBadge(i)}${fieldError(
              problem,
              `verify:${i.namespace}:${i.identifier}`,
              `verify-error-${i.namespace}`,
            )}</td><td>${when(i.createdAt)}</td><td>${
              i.source === 'admin' &&
              i.status === 'active' &&
              i.namespace === 'phone' &&
              chatInstallations.length > 0
                ? html`<form class="actions" method="post" action="${path('identities/verify')}">${csrf}<input type="hidden" name="namespace" value="${i.namespace}"><input type="hidden" name="identifier" value="${i.identifier}"><label class="visually-hidden" for="verify-via-${i.identifier}">Send the code through</label><select id="verify-via-${i.identifier}" name="installationId">${chatInstallations.map(
                    (c) => html`<option value="${c.id}">${installationLabel(c)}</option>`,
                  )}</select><button type="submit" class="secondary">Send a code</button></form>`
                : null
            }</td></tr>`,
        )}</tbody></table>`
}
<h2>Link a phone number</h2>
<form class="card narrow" method="post" action="${path('identities/phone')}" novalidate>${csrf}
<div class="field${phoneProblem ? ' invalid' : ''}"><label for="phone">Phone number</label>
<input id="phone" name="phone" type="tel" autocomplete="off" required value="${typed('phone')}" aria-describedby="phone-hint${phoneProblem ? ' phone-error' : ''}"${phoneProblem ? html` aria-invalid="true"` : ''}>
<p class="hint" id="phone-hint">International format, e.g. +49 30 1234567. Chat messages from this number then reach ${member.username}; until they prove it with a code, only channels that trust an admin’s word use it.</p>
${phoneProblem}</div>
<button type="submit">Link phone</button></form>
<h2>Platform access</h2>
${
  provisioners.length === 0
    ? html`<p class="muted">No account installations in this workspace. Install one under Installations to invite members to a platform.</p>`
    : provisioners.map((p) => {
        const form = `grant:${p.id}` as const;
        const grantProblem = fieldError(problem, form, `grant-error-${p.id}`);
        const same = problem?.form === form;
        return html`<form class="card" method="post" action="${path('accounts')}" aria-labelledby="grant-title-${p.id}">${csrf}<input type="hidden" name="installationId" value="${p.id}">
<h3 id="grant-title-${p.id}">Grant access: ${installationLabel(p)}</h3>
${grantProblem}
<div class="inline-fields">
<div class="field"><label for="login-${p.id}">Account name on the platform</label><input id="login-${p.id}" name="login" autocomplete="off" value="${same ? typed('login') : ''}"></div>
<div class="field"><label for="email-${p.id}">or email</label><input id="email-${p.id}" name="email" type="email" autocomplete="off" value="${same ? typed('email') : ''}"></div>
<div class="field"><label for="teams-${p.id}">Teams <span class="req">(comma-separated)</span></label><input id="teams-${p.id}" name="teams" autocomplete="off" value="${same ? typed('teams') : ''}"></div>
<div class="field"><label for="role-${p.id}">Role <span class="req">(optional)</span></label><input id="role-${p.id}" name="role" autocomplete="off" value="${same ? typed('role') : ''}"></div>
<button type="submit">Grant access</button></div></form>`;
      })
}
<h2>Account requests</h2>
${
  !accounts.ok
    ? notice('error', accounts.message)
    : accounts.body.accounts.length === 0
      ? html`<p class="muted">No account requests for ${member.username}.</p>`
      : html`<table aria-label="Account requests"><thead><tr><th>Platform</th><th>State</th><th>Account</th><th>Teams</th><th>Asked</th><th>Expires</th><th>Next step</th><th></th></tr></thead><tbody>${accounts.body.accounts.map(
          (a) =>
            html`<tr data-account="${a.id}"><td>${nameOf(a.channelType)}</td><td><span class="badge ${
              a.state === 'active'
                ? 'ok'
                : a.state === 'failed'
                  ? 'bad'
                  : OPEN_ACCOUNT_STATES.has(a.state)
                    ? 'warn'
                    : 'idle'
            }">${a.state === 'invited' ? 'invitation pending' : a.state}</span></td><td class="nowrap">${
              typeof a.detail.login === 'string'
                ? a.detail.login
                : typeof a.detail.email === 'string'
                  ? a.detail.email
                  : ''
            }</td><td>${a.grants.map((g) => g.target).join(', ')}</td><td class="nowrap">${ago(a.createdAt)}</td><td class="nowrap">${when(a.expiresAt)}</td><td class="muted">${a.nextStep}</td><td><div class="actions">${
              OPEN_ACCOUNT_STATES.has(a.state)
                ? button(context, path(`accounts/${a.id}/cancel`), 'Cancel', 'danger')
                : null
            }${
              RETRYABLE_ACCOUNT_STATES.has(a.state) || a.state === 'pending'
                ? button(
                    context,
                    path(`accounts/${a.id}/retry`),
                    a.state === 'pending' ? 'Retry now' : 'Ask again',
                  )
                : null
            }</div></td></tr>`,
        )}</tbody></table>`
}
<p><a href="${context.path('members')}">Back to members</a></p>`;
    return sendPage(reply, status, context.page(member.username, 'members', body));
  }

  const memberId = (params: unknown) => {
    const id = (params as { userId?: string }).userId ?? '';
    return /^[0-9a-f-]{36}$/i.test(id) ? id : '';
  };
  const back = (context: PageContext, userId: string, done: string) =>
    context.path(`members/${encodeURIComponent(userId)}?done=${done}`);

  app.get<{ Querystring: { done?: string } }>(
    '/console/w/:ws/members/:userId',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const done = DONE[(request.query as { done?: string }).done ?? ''];
      return show(context, reply, memberId(request.params), 200, done ? notice('ok', done) : null);
    }),
  );

  // The admin API's link call: its refusals (invalid_phone, no_member, a conflict) show beside the field.
  app.post(
    '/console/w/:ws/members/:userId/identities/phone',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const userId = memberId(request.params);
      const phone = (formOf(request).get('phone') ?? '').trim().slice(0, 64);
      const values = { phone };
      if (!phone) {
        return show(context, reply, userId, 400, null, {
          form: 'phone',
          message: 'Enter a phone number.',
          values,
        });
      }
      const answer = await context.api.call<{ outcome: string; message?: string }>(
        'POST',
        context.apiPath(`members/${uuidParam(userId)}/identities`),
        { namespace: 'phone', identifier: phone },
      );
      if (answer.ok) return reply.redirect(back(context, userId, answer.body.outcome), 303);
      return show(context, reply, userId, answer.status, null, {
        form: 'phone',
        message: LINK_REFUSALS[answer.code] ?? answer.message,
        values,
      });
    }),
  );

  app.post(
    '/console/w/:ws/members/:userId/identities/verify',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const userId = memberId(request.params);
      const form = formOf(request);
      const namespace = (form.get('namespace') ?? '').slice(0, 100);
      const identifier = (form.get('identifier') ?? '').slice(0, 512);
      const answer = await context.api.call<{ outcome: string }>(
        'POST',
        context.apiPath(`members/${uuidParam(userId)}/identities/verification`),
        { namespace, identifier, installationId: form.get('installationId') ?? '' },
      );
      if (answer.ok) return reply.redirect(back(context, userId, 'code_sent'), 303);
      return show(context, reply, userId, answer.status, null, {
        form: `verify:${namespace}:${identifier}`,
        message: answer.message,
      });
    }),
  );

  app.post(
    '/console/w/:ws/members/:userId/accounts',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const userId = memberId(request.params);
      const form = formOf(request);
      const text = (key: string, max = 256) => (form.get(key) ?? '').trim().slice(0, max);
      const installationId = text('installationId', 64);
      const values = {
        login: text('login'),
        email: text('email', 320),
        teams: text('teams', 4000),
        role: text('role', 64),
      };
      const teams = values.teams
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      const problem = (message: string): FormProblem => ({
        form: `grant:${installationId}`,
        message,
        values,
      });
      if (!values.login && !values.email) {
        return show(
          context,
          reply,
          userId,
          400,
          null,
          problem('Give their account name on the platform, or an email.'),
        );
      }
      const answer = await context.api.call(
        'POST',
        context.apiPath(`members/${uuidParam(userId)}/accounts`),
        {
          installationId,
          ...(values.login ? { login: values.login } : {}),
          ...(values.email ? { email: values.email } : {}),
          ...(values.role ? { role: values.role } : {}),
          ...(teams.length > 0 ? { teams } : {}),
        },
      );
      if (answer.ok) return reply.redirect(back(context, userId, 'granted'), 303);
      return show(context, reply, userId, answer.status, null, problem(answer.message));
    }),
  );

  const memberBack = (context: PageContext, params: Record<string, string>) =>
    context.path(`members/${uuidParam(params.userId)}`);
  apiAction(
    app,
    '/console/w/:ws/members/:userId/accounts/:accountId/cancel',
    { current: 'members', done: 'account_canceled', back: memberBack },
    (context, _form, params) => ({
      method: 'DELETE',
      path: context.apiPath(`members/${uuidParam(params.userId)}/accounts/${uuidParam(params.accountId)}`),
    }),
  );
  apiAction(
    app,
    '/console/w/:ws/members/:userId/accounts/:accountId/retry',
    { current: 'members', done: 'account_retried', back: memberBack },
    (context, _form, params) => ({
      method: 'POST',
      path: context.apiPath(`accounts/${uuidParam(params.accountId)}/retry`),
    }),
  );
};
