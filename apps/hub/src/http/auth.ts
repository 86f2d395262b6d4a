import type { MemberRole } from '@switchboard/db';
import type { FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { forbidden, notFound, unauthorized } from './errors.js';

/** Who is calling, as resolved from their API token. */
export interface Principal {
  userId: string;
  username: string;
  tokenId: string;
  memberships: ReadonlyArray<{ workspaceId: string; role: MemberRole }>;
  /**
   * The person running the hub (the local operator credential): may list and create workspaces and
   * their first admin; holds no membership, so every workspace route answers it 404.
   */
  operator?: boolean;
}

/** Resolves a bearer token to its principal; null for unknown, revoked or expired tokens. */
export type Authenticate = (token: string) => Promise<Principal | null>;

export interface BearerAuthOptions {
  authenticate: Authenticate;
}

const kAuthenticate = Symbol('switchboard.authenticate');

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireAuth`; null until then, and on routes that do not authenticate. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    [kAuthenticate]?: Authenticate;
  }
}

/**
 * Makes `requireAuth` work on every route registered next to it (fastify-plugin lifts its encapsulation). Nothing runs
 * per request: routes opt in by calling `requireAuth`, so unauthenticated routes cost nothing.
 */
export const bearerAuth = fastifyPlugin<BearerAuthOptions>(
  async (app, options) => {
    app.decorateRequest('principal', null);
    app.decorate(kAuthenticate, options.authenticate);
  },
  { name: 'switchboard-bearer-auth', fastify: '5.x' },
);

// RFC 6750 token68 syntax, with a length cap so junk never reaches the token store.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*) *$/i;

function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Authenticates the request (once; the result is cached on `request.principal`) or throws 401.
 * Usable as a route `preHandler` or awaited inside a handler for the typed principal.
 */
export async function requireAuth(request: FastifyRequest): Promise<Principal> {
  if (request.principal) return request.principal;
  const authenticate = request.server[kAuthenticate];
  if (!authenticate) {
    // A wiring bug, not a client error: it must fail loudly as a 500, never let the call through.
    throw new Error('requireAuth used on a route outside the bearerAuth plugin');
  }
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) throw unauthorized('missing or malformed bearer token');
  const principal = await authenticate(token);
  if (!principal) throw unauthorized('invalid or expired token');
  request.principal = principal;
  return principal;
}

/**
 * Throws unless the principal holds one of `roles` in the workspace. A non-member gets the same
 * 404 as for a workspace that does not exist, so existence never leaks; a member gets 403.
 */
export function requireWorkspaceRole(
  principal: Principal,
  workspaceId: string,
  roles: readonly MemberRole[],
): void {
  const membership = principal.memberships.find((m) => m.workspaceId === workspaceId);
  if (!membership) throw notFound('workspace');
  if (!roles.includes(membership.role)) {
    throw forbidden(`requires role ${roles.join(' or ')} in this workspace`);
  }
}
