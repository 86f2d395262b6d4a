import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConsoleSessionPrincipal, ConsoleSessionStore } from '@switchboard/db';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Console sessions: an httpOnly, SameSite=Strict cookie holding a random session token (stored
 * hashed, see ConsoleSessionStore). Every state-changing console request must also carry the
 * CSRF token of its session (a hidden form field or the `x-csrf-token` header) and come from this
 * origin: SameSite alone does not cover a sibling origin on the same site (another port of the
 * same host), so the token is what a forged request cannot have.
 */
export const SESSION_COOKIE = 'sb_console';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** A session lasts this long from sign-in (default; HubAppOptions can shorten it). */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface SignedIn {
  principal: ConsoleSessionPrincipal;
  /** The session token itself: the console's bearer credential for the hub's own API. */
  token: string;
  csrf: string;
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Secure only over https: a plain-http local hub would otherwise never get its cookie back. */
function secureFlag(request: FastifyRequest): string {
  return request.protocol === 'https' ? '; Secure' : '';
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  expiresAt: Date,
): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secureFlag(request)}`,
  );
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0${secureFlag(request)}`,
  );
}

/** The CSRF token of a session: derived from its secret token, so nothing more is stored. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('switchboard console csrf v1').digest('base64url');
}

export async function loadSession(
  request: FastifyRequest,
  store: ConsoleSessionStore,
): Promise<SignedIn | null> {
  const token = readCookie(request, SESSION_COOKIE);
  if (!token) return null;
  const principal = await store.authenticate(token);
  return principal ? { principal, token, csrf: csrfTokenFor(token) } : null;
}

/**
 * True when the browser says the request comes from this origin: `Sec-Fetch-Site` where sent
 * (every current browser), else the Origin header. A request with neither is refused.
 */
export function fromThisOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

/** The presented CSRF token (form field or header) matches the session's. */
export function csrfMatches(request: FastifyRequest, session: SignedIn, form?: URLSearchParams): boolean {
  const header = request.headers[CSRF_HEADER];
  const presented = typeof header === 'string' ? header : form?.get(CSRF_FIELD);
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
