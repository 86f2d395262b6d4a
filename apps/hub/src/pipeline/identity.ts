import type { Source } from '@switchboard/core';
import type { Stores } from '@switchboard/db';

export type IdentityOutcome =
  | { status: 'bound'; user: { id: string; username: string } }
  | { status: 'not_bound' }
  /** The binding pointed at someone who is no longer a member; the binding has been dropped. */
  | { status: 'non_workspace_member'; userId: string };

/**
 * Who sent the message. A binding never proves membership: it is re-checked on every event, and
 * a former member's binding is removed so it cannot be used again.
 */
export async function resolveSender(
  stores: Pick<Stores, 'bindings'>,
  installation: { id: string; workspaceId: string },
  source: Pick<Source, 'sender'>,
): Promise<IdentityOutcome> {
  const sender = source.sender.id;
  const bound = await stores.bindings.findWithMembership(installation.id, installation.workspaceId, sender);
  if (!bound) return { status: 'not_bound' };
  if (!bound.isMember) {
    await stores.bindings.remove(installation.id, sender);
    return { status: 'non_workspace_member', userId: bound.userId };
  }
  return { status: 'bound', user: { id: bound.userId, username: bound.username } };
}
