import { type Html, html } from '../html.js';

/** A timestamp as people read it, UTC, minute precision; with the exact value on hover. */
export function when(value: Date | string | null | undefined): Html {
  if (value === null || value === undefined) return html`<span class="muted">never</span>`;
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return html`${String(value)}`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** "3 s ago", "5 min ago": for live status, where the age matters more than the date. */
export function ago(value: string | null | undefined, now = Date.now()): Html {
  if (!value) return html`<span class="muted">never</span>`;
  const date = new Date(value);
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  const text =
    seconds < 60
      ? `${seconds} s ago`
      : seconds < 3600
        ? `${Math.round(seconds / 60)} min ago`
        : seconds < 172_800
          ? `${Math.round(seconds / 3600)} h ago`
          : `${Math.round(seconds / 86_400)} d ago`;
  return html`<time datetime="${date.toISOString()}" title="${date.toISOString()}">${text}</time>`;
}

/** How far an identity is proven, in words: an admin's link is an assertion, the rest are proofs. */
const VERIFICATION: Record<string, { label: string; badge: string }> = {
  self: { label: 'verified by the member', badge: 'ok' },
  provisioned: { label: 'verified by the platform', badge: 'ok' },
  directory_verified: { label: 'verified by the directory', badge: 'ok' },
  admin: { label: 'not verified (linked by an admin)', badge: 'warn' },
};

export function verificationBadge(identity: { source: string; status: string }): Html {
  if (identity.status !== 'active') return html`<span class="badge idle">${identity.status}</span>`;
  const known = VERIFICATION[identity.source] ?? { label: identity.source, badge: 'idle' };
  return html`<span class="badge ${known.badge}">${known.label}</span>`;
}
