import type { FastifyReply } from 'fastify';
import { type Html, type HtmlValue, html } from './html.js';
import type { Role } from './roles.js';
import { isAdmin } from './roles.js';
import { CSRF_FIELD } from './session.js';

export const ASSETS = '/console/assets';

/** Scripts only from this origin, no inline code, no frames, forms only to this origin. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// htmx without eval or injected styles, so the CSP above holds.
const HTMX_CONFIG = '{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}';

export interface PageChrome {
  title: string;
  /** Signed in: the nav, the sign-out form and the CSRF token for htmx requests. */
  user?: { username: string; csrf: string };
  /** The workspace being looked at, and the caller's role there (decides the nav). */
  workspace?: { slug: string; name: string; role: Role };
  /** Every workspace of the user, for the switcher. */
  workspaces?: ReadonlyArray<{ slug: string; name: string }>;
  /** The nav entry to mark as current. */
  current?: string;
  /** Further scripts of this page, by asset file name (e.g. the chart library on the activity page). */
  scripts?: readonly string[];
}

interface NavEntry {
  key: string;
  label: string;
  path: string;
  adminOnly: boolean;
}

const NAV: NavEntry[] = [
  { key: 'installations', label: 'Installations', path: 'installations', adminOnly: true },
  { key: 'agents', label: 'Agents', path: 'agents', adminOnly: true },
  { key: 'members', label: 'Members', path: 'members', adminOnly: true },
  { key: 'tokens', label: 'API tokens', path: 'tokens', adminOnly: true },
  { key: 'activity', label: 'Activity', path: 'activity', adminOnly: true },
  { key: 'outbound', label: 'Outbound', path: 'outbound', adminOnly: true },
  { key: 'dead-letters', label: 'Dead letters', path: 'dead-letters', adminOnly: true },
  { key: 'audit', label: 'Audit log', path: 'audit', adminOnly: true },
  { key: 'me', label: 'My links', path: 'me', adminOnly: false },
];

function nav(chrome: PageChrome): HtmlValue {
  const ws = chrome.workspace;
  if (!ws) return null;
  const entries = NAV.filter((entry) => !entry.adminOnly || isAdmin(ws.role));
  return html`<nav aria-label="Workspace"><ul>${entries.map(
    (entry) =>
      html`<li><a href="/console/w/${encodeURIComponent(ws.slug)}/${entry.path}"${
        chrome.current === entry.key ? html` aria-current="page"` : ''
      }>${entry.label}</a></li>`,
  )}</ul></nav>`;
}

function header(chrome: PageChrome): Html {
  const user = chrome.user;
  const switcher =
    chrome.workspaces && chrome.workspaces.length > 1
      ? html`<form class="switcher" method="get" action="/console/switch"><label for="ws-switch">Workspace</label>
<select id="ws-switch" name="ws">${chrome.workspaces.map(
          (w) =>
            html`<option value="${w.slug}"${w.slug === chrome.workspace?.slug ? html` selected` : ''}>${w.name}</option>`,
        )}</select><button type="submit">Go</button></form>`
      : chrome.workspace
        ? html`<span class="ws-name">${chrome.workspace.name}</span>`
        : null;
  return html`<header class="top"><a class="brand" href="/console">Switchboard</a>${switcher}${
    user
      ? html`<div class="who"><a href="/console/account">${user.username}</a>${
          chrome.workspace ? html` <span class="role">${chrome.workspace.role}</span>` : ''
        }<form method="post" action="/console/sign-out"><input type="hidden" name="${CSRF_FIELD}" value="${user.csrf}"><button type="submit" class="link">Sign out</button></form></div>`
      : null
  }</header>`;
}

export function renderPage(chrome: PageChrome, body: HtmlValue): Html {
  const csrfHeaders = chrome.user ? JSON.stringify({ 'x-csrf-token': chrome.user.csrf }) : undefined;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${chrome.title} · Switchboard</title>
<meta name="htmx-config" content="${HTMX_CONFIG}">
<link rel="stylesheet" href="${ASSETS}/console.css">
<script src="${ASSETS}/htmx.min.js" defer></script>
<script src="${ASSETS}/console.js" defer></script>
${(chrome.scripts ?? []).map(
  (file) => html`<script src="${ASSETS}/${file}" defer></script>
`,
)}</head><body${csrfHeaders ? html` hx-headers="${csrfHeaders}"` : ''}>
${header(chrome)}
<div class="frame">${nav(chrome)}<main id="main"><h1>${chrome.title}</h1>${body}</main></div>
</body></html>`;
}

/** Sends a console page: never cached, never framed, no referrer to other sites (sign-in links ride in URLs). */
export function sendPage(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return sendHtml(reply, status, page);
}

export function sendHtml(reply: FastifyReply, status: number, fragment: Html): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', CSP)
    .send(fragment.value);
}

/** A hidden CSRF field for a form of a signed-in page. */
export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">`;
}

/** A short notice above a page's content. */
export function notice(kind: 'ok' | 'error' | 'info', text: HtmlValue): Html {
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}
