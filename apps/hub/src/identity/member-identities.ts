import type { Logger } from '@switchboard/core';
import {
  DeactivatedError,
  IdentityConflictError,
  type IdentityStore,
  type LinkResult,
} from '@switchboard/db';
import { normalizeIdentifier } from './namespaces.js';

export interface IdentityLinkReport {
  linked: Array<{ namespace: string; identifier: string; status: LinkResult['status'] }>;
  failed: Array<{ namespace: string; identifier: string; code: string }>;
}

function failureCode(error: unknown): string {
  if (error instanceof IdentityConflictError) return 'identity_conflict';
  if (error instanceof DeactivatedError) return 'deactivated';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal_error';
}

/**
 * Writes a member's `auth` (their own user id, hub-wide, `self`) and `email` identity (asserted
 * by an admin of `workspaceId`, so scoped to it and trusted nowhere else). Each is linked on
 * its own: a failure (the email belongs to someone else, a database blip) is logged and reported,
 * never thrown, because the membership it accompanies already stands. Re-running repairs it.
 */
export async function linkMemberIdentities(
  identities: Pick<IdentityStore, 'link'>,
  user: { id: string; email: string | null },
  logger: Logger,
  workspaceId?: string,
): Promise<IdentityLinkReport> {
  const wanted: Array<{ namespace: 'auth' | 'email'; identifier: string }> = [
    { namespace: 'auth', identifier: user.id },
  ];
  if (user.email) {
    const email = normalizeIdentifier('email', user.email);
    if (email.ok) wanted.push({ namespace: 'email', identifier: email.identifier });
  }
  const report: IdentityLinkReport = { linked: [], failed: [] };
  for (const { namespace, identifier } of wanted) {
    try {
      const result = await identities.link(
        namespace === 'auth'
          ? { userId: user.id, namespace, identifier, source: 'self' }
          : {
              userId: user.id,
              namespace,
              identifier,
              source: 'admin',
              ...(workspaceId ? { workspaceId } : {}),
            },
      );
      report.linked.push({ namespace, identifier, status: result.status });
    } catch (error) {
      const code = failureCode(error);
      logger.warn({ err: error, userId: user.id, namespace, code }, 'could not link a member identity');
      report.failed.push({ namespace, identifier, code });
    }
  }
  return report;
}
