import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from './auth.js';

/** Operator tokens look unlike user tokens (`sb_…`), so logs and scanners tell them apart. */
const OPERATOR_TOKEN_PREFIX = 'sbo_';

/** Stands in for a user id on the operator principal; no user row ever has it. */
export const OPERATOR_USER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The hub-wide credential of the person running the hub. It lives in this process only (a new one
 * per start, handed to local commands through `<data dir>/operator.json`, mode 0600), so it needs
 * no table and dies with the process.
 */
export interface OperatorCredential {
  readonly token: string;
  /** The operator principal for its own token, null for any other (user tokens are not its job). */
  authenticate(token: string): Principal | null;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function createOperatorCredential(
  token = `${OPERATOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`,
): OperatorCredential {
  const expected = digest(token);
  const principal: Principal = {
    userId: OPERATOR_USER_ID,
    username: 'operator',
    tokenId: 'operator',
    memberships: [],
    operator: true,
  };
  return {
    token,
    authenticate: (presented) =>
      presented.startsWith(OPERATOR_TOKEN_PREFIX) && timingSafeEqual(digest(presented), expected)
        ? principal
        : null,
  };
}
