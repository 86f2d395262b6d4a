import type { AccountRecord } from '@switchboard/db';

const day = (date: Date) => date.toISOString().slice(0, 10);

/** "teams backend, infra": the grants of a row, grouped by kind. */
export function describeGrants(row: Pick<AccountRecord, 'grants'>): string {
  const byKind = new Map<string, string[]>();
  for (const grant of row.grants) byKind.set(grant.kind, [...(byKind.get(grant.kind) ?? []), grant.target]);
  return [...byKind].map(([kind, targets]) => `${kind}s ${targets.join(', ')}`).join('; ');
}

function who(row: AccountRecord): string {
  const login = row.detail.login;
  const email = row.detail.email;
  return typeof login === 'string' ? login : typeof email === 'string' ? email : 'the person';
}

/** What a person should do (or wait for) next, in words, for an account request as it stands. */
export function nextStep(row: AccountRecord): string {
  const grants = describeGrants(row);
  const errorCode = typeof row.detail.errorCode === 'string' ? row.detail.errorCode : undefined;
  switch (row.state) {
    case 'pending': {
      const retryAt = typeof row.detail.retryAt === 'string' ? row.detail.retryAt : undefined;
      if (retryAt) {
        return `${errorCode === 'rate_limited' ? 'rate limited by the platform' : 'the platform failed for now'}; tried again automatically after ${retryAt} (or retry now)`;
      }
      return 'the platform has not answered yet; retry if this stays pending';
    }
    case 'invited': {
      const invitedAt =
        typeof row.detail.invitedAt === 'string' ? new Date(row.detail.invitedAt) : row.updatedAt;
      return `waiting for ${who(row)} to accept the invitation sent ${day(invitedAt)}${row.expiresAt ? ` (expires ${day(row.expiresAt)})` : ''}${grants ? `; ${grants} will be granted then` : ''}`;
    }
    case 'active':
      if (row.grants.length > 0 && !row.grantsAppliedAt) {
        return `${who(row)} is active, but ${grants} are not granted yet${row.lastError ? ` (${row.lastError})` : ''}; check the grants and retry`;
      }
      if (Array.isArray(row.detail.removedGrants) && row.detail.removedGrants.length > 0) {
        const removed = row.detail.removedGrants.map((key) => String(key).replace(':', ' ')).join(', ');
        return `${who(row)} is active, but ${removed} was removed on the platform since; grant it there again if that was a mistake`;
      }
      return `${who(row)} is active${grants ? ` with ${grants} granted` : ''}; nothing to do`;
    case 'expired':
      return `the invitation to ${who(row)} expired${row.lastError ? ` (${row.lastError})` : ''}; retry to send a new one`;
    case 'canceled':
      return row.lastError?.startsWith('revoked')
        ? `${who(row)} was removed on the platform; grant access again to invite them again`
        : 'canceled; grant access again to send a new invitation';
    case 'failed':
      if (errorCode === 'terminal')
        return `cannot be done on this installation: ${row.lastError ?? 'refused'}; no retry will help`;
      if (errorCode === 'forbidden') {
        return `the installation's credentials were refused (${row.lastError ?? 'forbidden'}); fix the token and retry`;
      }
      if (errorCode === 'invalid')
        return `the request was refused: ${row.lastError ?? 'invalid'}; correct it and grant access again`;
      return `failed: ${row.lastError ?? 'unknown error'}; retry`;
  }
}
