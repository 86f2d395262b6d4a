import type { Stores } from '@switchboard/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type PageContext, pageContext } from './context.js';
import type { SignedIn } from './session.js';

export interface ConsoleDeps {
  stores: Pick<Stores, 'consoleSessions' | 'users'>;
  /** How long a session lasts from sign-in. */
  sessionTtlMs: number;
  /** Password sign-in attempts per minute per client address (0: unlimited). */
  signInPerMinute: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session of the request, loaded by the console plugin (null: signed out). */
    consoleSession: SignedIn | null;
  }
  interface FastifyContextConfig {
    /** A console route that needs no session (sign-in): no CSRF token exists yet. */
    consoleSignedOut?: boolean;
  }
}

/** `/console/sign-in?next=<where they were going>` */
export function signInRedirect(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const next = request.method === 'GET' ? request.url : '/console';
  return reply.redirect(`/console/sign-in?next=${encodeURIComponent(next)}`, 303);
}

/** Only console paths are followed after sign-in: never an open redirect to another site. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console(\/|$|\?)/.test(next) && !next.startsWith('//')
    ? next
    : '/console';
}

type Handler = (context: PageContext, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Wraps a `/console/w/:ws/...` handler: signed in, a member of :ws, and an admin when asked. */
export function workspacePage(app: FastifyInstance, options: { adminOnly: boolean }, handler: Handler) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const session = request.consoleSession;
    if (!session) return signInRedirect(request, reply);
    const ws = (request.params as { ws?: string }).ws ?? '';
    const context = await pageContext(app, request, reply, session, ws, options);
    if (!context) return reply;
    return handler(context, request, reply);
  };
}

/** The urlencoded body of a console form (the console's parser makes one). */
export function formOf(request: FastifyRequest): URLSearchParams {
  return request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
}
