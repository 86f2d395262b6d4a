import type { ConsoleSessionPrincipal } from '@switchboard/db';
import type { Principal } from '../http/auth.js';

/** A console session as an API principal (its memberships, its session id as the token id). */
export function consoleSessionPrincipal(session: ConsoleSessionPrincipal | null): Principal | null {
  return session
    ? {
        userId: session.userId,
        username: session.username,
        tokenId: `console-session:${session.sessionId}`,
        memberships: session.memberships,
      }
    : null;
}
