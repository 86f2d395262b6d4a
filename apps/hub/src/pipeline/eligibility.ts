import type { Channel, InboundMessage } from '@switchboard/core';
import type { AuditReason } from '@switchboard/db';
import type { InstallationPolicy } from './policy.js';

/**
 * Step one for a recorded message: is it for the agent at all? Runs before any identity work, so
 * idle group chatter never triggers binding replies or provisioning. Null means eligible.
 */
export function ineligibleReason(message: InboundMessage, policy: InstallationPolicy): AuditReason | null {
  const inGroup = message.source.chatType !== 'direct';
  if (inGroup && policy.group_policy === 'disabled') return 'group_disabled';
  if (inGroup && !message.mentionsBot) return 'not_addressed_in_group';
  const tenant = message.source.tenantKey;
  if (policy.tenant_key && tenant && tenant !== policy.tenant_key) return 'wrong_tenant';
  if (message.source.sender.isExternal && !policy.allow_external_senders) return 'external_guest';
  return null;
}

/**
 * `/link`, possibly after mentions of the bot: the channel removes its own mention markup
 * (`Channel.commandText`); without it the text must read `/link` as it is.
 */
export function isLinkCommand(message: InboundMessage, channel: Pick<Channel, 'commandText'>): boolean {
  const text = channel.commandText ? channel.commandText(message) : (message.text ?? '');
  return /^\/link$/i.test(text.trim());
}
