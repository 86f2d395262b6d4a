export type Role = 'owner' | 'admin' | 'member';

/** Owners and admins run the workspace; members see only what is theirs. */
export function isAdmin(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}
