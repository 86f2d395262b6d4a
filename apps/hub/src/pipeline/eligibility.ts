import type { InboundMessage } from '@switchboard/core';
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

/** `/link`, possibly after mentions of the bot (`<@U123> /link`, `@_user_1 /link`). */
export function isLinkCommand(message: InboundMessage): boolean {
  const text = (message.text ?? '').replace(/<@[^>]+>|@_user_\d+/g, '').trim();
  return /^\/link$/i.test(text);
}
