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
