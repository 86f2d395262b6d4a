import { NotFoundError } from '@switchboard/core';
import type { IdentityMatch, IdentitySource, NewUserWithIdentity, Stores } from '@switchboard/db';

/**
 * The data access the provisioner needs and nothing more, so a test can wrap the real store and
 * fail one step (a lookup, the username probe) to prove what happens then.
 *
 * Probes throw `NotFoundError` for "free"; any other error means "unknown" and must propagate.
 */
export interface ProvisionerStore {
  /** The active identity and its user; `NotFoundError` when none, `DeactivatedError` when deactivated. */
  findIdentity(namespace: string, identifier: string, workspaceId: string): Promise<IdentityMatch>;
  /** The user holding `username`; `NotFoundError` when the name is free. */
  findUserByUsername(username: string): Promise<{ id: string }>;
  isMember(workspaceId: string, userId: string): Promise<boolean>;
  /** An admin removed the user from the workspace (and nobody added them back). */
  wasRemoved(workspaceId: string, userId: string): Promise<boolean>;
  countAdmins(workspaceId: string): Promise<number>;
  /** User + identity + membership in one transaction; throws a ConflictError subclass on a lost race. */
  createProvisionedUser(input: NewUserWithIdentity): Promise<{ userId: string; username: string }>;
  /** Adds an active user as `member` unless already one, linking `identities`, in one transaction. */
  joinWorkspace(input: {
    userId: string;
    workspaceId: string;
    identities: Array<{ namespace: string; identifier: string; source: IdentitySource }>;
  }): Promise<{ joined: boolean }>;
}

/** The provisioner's store over the hub's real stores. */
export function provisionerStoreFrom(
  stores: Pick<Stores, 'identities' | 'users' | 'members'>,
): ProvisionerStore {
  return {
    findIdentity: (namespace, identifier, workspaceId) =>
      stores.identities.find(namespace, identifier, { workspaceId }),
    async findUserByUsername(username) {
      const user = await stores.users.findByUsername(username);
      if (!user) throw new NotFoundError('user', username);
      return user;
    },
    isMember: async (workspaceId, userId) => (await stores.members.find(workspaceId, userId)) !== null,
    wasRemoved: (workspaceId, userId) => stores.members.wasRemoved(workspaceId, userId),
    countAdmins: (workspaceId) => stores.members.countAdmins(workspaceId),
    createProvisionedUser: (input) => stores.identities.createUserWithIdentity(input),
    joinWorkspace: (input) => stores.identities.joinWorkspace({ ...input, role: 'member' }),
  };
}
