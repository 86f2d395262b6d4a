import type { InboundMessage } from '@switchboard/core';
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
  stores: Pick<Stores, 'bindings' | 'members'>,
  installation: { id: string; workspaceId: string },
  message: InboundMessage,
): Promise<IdentityOutcome> {
  const binding = await stores.bindings.find(installation.id, message.source.sender.id);
  if (!binding) return { status: 'not_bound' };
  const member = await stores.members.find(installation.workspaceId, binding.userId);
  if (!member) {
    await stores.bindings.remove(installation.id, message.source.sender.id);
    return { status: 'non_workspace_member', userId: binding.userId };
  }
  return { status: 'bound', user: { id: member.userId, username: member.username } };
}
