import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ApiFailure } from '../api.js';
import type { PageContext } from '../context.js';
import { type Html, html } from '../html.js';
import { csrfField, notice, sendPage } from '../layout.js';
import { type ConsoleDeps, formOf, workspacePage } from '../routing.js';
import { verificationBadge, when } from './format.js';

interface Binding {
  installationId: string;
  channelType: string;
  channelUserId: string;
  userId: string;
  createdAt: string;
}
interface Identity {
  namespace: string;
  identifier: string;
  source: string;
  status: string;
  createdAt: string;
}
interface Account {
  id: string;
  channelType: string;
  state: string;
  externalId: string | null;
  lastError: string | null;
  createdAt: string;
  expiresAt: string | null;
}

const PENDING = new Set(['pending', 'invited']);

const CODE_LIMIT = 2048;

/**
 * The code out of what the member pasted: the bot sends a link (`…/link?token=sbl_…`), and either
 * the whole link or the token alone is accepted.
 */
export function codeFrom(input: string): string {
  const trimmed = input.trim().slice(0, CODE_LIMIT);
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      return new URL(trimmed).searchParams.get('token')?.trim() ?? '';
    } catch {
      return trimmed;
    }
  }
  return trimmed;
}

/** The API's refusal as the sentence shown beside the code field. */
function codeError(failure: ApiFailure): string {
  switch (failure.code) {
    case 'binding_token_gone':
      return 'This code is unknown, already used or expired, or it is for another workspace. Send /link to the bot for a new one.';
    case 'already_bound':
      return 'The chat account this code names is connected to another user.';
    case 'invalid_input':
      return 'Enter the code the bot sent you (or paste its whole link).';
    default:
      return failure.message;
  }
}

interface LinkForm {
  error?: string;
  linked?: boolean;
}

/** The form that binds a chat account with the one-time code the bot sent (the /link flow). */
function codeForm(context: PageContext, state: LinkForm): Html {
  const error = state.error;
  return html`<section class="card narrow connect" aria-labelledby="connect-title"><h2 id="connect-title">Connect a chat account</h2>
<p class="hint" id="link-code-hint">Write <code>/link</code> to one of this workspace's bots in a direct message. It answers with a one-time link (valid 15 minutes): paste the link, or the code in it, here.</p>
<form method="post" action="${context.path('me/link')}">${csrfField(context.session.csrf)}
<div class="field${error ? ' invalid' : ''}"><label for="link-code">One-time code from the bot</label><input id="link-code" name="code" required autocomplete="off" spellcheck="false" placeholder="sbl_…" aria-describedby="link-code-hint${error ? ' link-code-error' : ''}"${error ? html` aria-invalid="true"` : ''}>${
    error ? html`<p class="error-text" id="link-code-error">${error}</p>` : null
  }</div>
<button type="submit">Connect</button></form></section>`;
}

/**
 * What every member sees, and all a plain member sees: their own chat bindings (and the form that
 * adds one), their identities with verification state, and their account requests still pending.
 */
export const myLinksPages: FastifyPluginAsync<ConsoleDeps> = async (app) => {
  async function render(context: PageContext, reply: FastifyReply, status: number, state: LinkForm) {
    const me = context.session.principal.userId;
    const [bindings, identities, accounts] = await Promise.all([
      context.api.get<{ items: Binding[] }>(context.apiPath('bindings?limit=500')),
      context.api.get<{ items: Identity[] }>(context.apiPath(`members/${me}/identities?limit=500`)),
      context.api.get<{ accounts: Account[] }>(context.apiPath(`members/${me}/accounts`)),
    ]);
    const mine = bindings.ok ? bindings.body.items.filter((b) => b.userId === me) : [];
    const pending = accounts.ok ? accounts.body.accounts.filter((a) => PENDING.has(a.state)) : [];
    const body = html`${state.linked ? notice('ok', 'Your chat account is connected.') : null}
<p class="muted">Your chat accounts, identities and pending account requests in this workspace.</p>
<h2>Chat accounts bound to you</h2>
${
  mine.length === 0
    ? html`<p class="muted">None yet. When you write to one of the workspace's bots, it answers with a link that binds your chat account; its code also works in the form below.</p>`
    : html`<table aria-label="Chat accounts bound to you"><thead><tr><th>Channel</th><th>Chat user</th><th>Bound</th></tr></thead><tbody>${mine.map(
        (b) =>
          html`<tr><td>${b.channelType}</td><td><code>${b.channelUserId}</code></td><td>${when(b.createdAt)}</td></tr>`,
      )}</tbody></table>`
}
${codeForm(context, state)}
<h2>Your identities</h2>
${
  !identities.ok
    ? notice('error', identities.message)
    : identities.body.items.length === 0
      ? html`<p class="muted">No identities recorded.</p>`
      : html`<table aria-label="Your identities"><thead><tr><th>Kind</th><th>Identifier</th><th>Verification</th><th>Since</th></tr></thead><tbody>${identities.body.items.map(
          (i) =>
            html`<tr><td>${i.namespace}</td><td><code>${i.identifier}</code></td><td>${verificationBadge(i)}</td><td>${when(i.createdAt)}</td></tr>`,
        )}</tbody></table>`
}
<h2>Pending links</h2>
${
  pending.length === 0
    ? html`<p class="muted">Nothing pending.</p>`
    : html`<table><thead><tr><th>Platform</th><th>State</th><th>Account</th><th>Asked</th><th>Expires</th></tr></thead><tbody>${pending.map(
        (a) =>
          html`<tr><td>${a.channelType}</td><td><span class="badge warn">${a.state}</span></td><td>${a.externalId ?? ''}</td><td>${when(a.createdAt)}</td><td>${when(a.expiresAt)}</td></tr>`,
      )}</tbody></table>`
}`;
    return sendPage(reply, status, context.page('My links', 'me', body));
  }

  app.get<{ Querystring: { done?: string } }>(
    '/console/w/:ws/me',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: false }, async (context, request, reply) =>
      render(context, reply, 200, { linked: (request.query as { done?: string }).done === 'linked' }),
    ),
  );

  // The CSRF token and origin were checked by the console plugin; the API binds within :ws only.
  app.post(
    '/console/w/:ws/me/link',
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: false }, async (context, request, reply) => {
      const code = codeFrom(formOf(request).get('code') ?? '');
      const answer = code
        ? await context.api.call('POST', context.apiPath('binding-tokens/redeem'), {
            token: code.slice(0, 200),
          })
        : undefined;
      if (answer?.ok) return reply.redirect(`${context.path('me')}?done=linked`, 303);
      const failure: ApiFailure = answer ?? {
        status: 400,
        code: 'invalid_input',
        message: 'a code is required',
        details: undefined,
        body: undefined,
      };
      return render(context, reply, failure.status === 400 ? 422 : failure.status, {
        error: codeError(failure),
      });
    }),
  );
};
