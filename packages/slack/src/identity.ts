import type { IdentityKey, InboundMessage, NamespaceRules, Source } from '@switchboard/core';

/** The identity namespace of Slack users: `<team or Enterprise Grid org id>:<user id>`. */
export const SLACK_NAMESPACE = 'slack';

const SLACK_USER = /^[A-Z0-9]+:[A-Z0-9]+$/;

/**
 * How Slack ids are spelled in the identity graph. Slack ids are upper-case; the team (or org)
 * prefix scopes the user id, and is dropped for usernames since every member of a team shares it.
 */
export const slackNamespaceRules: NamespaceRules = {
  scheme: SLACK_NAMESPACE,
  format: '<team id>:<user id>',
  normalize: (identifier) => {
    const upper = identifier.toUpperCase();
    return SLACK_USER.test(upper) ? upper : null;
  },
  usernameHint: (identifier) => identifier.slice(identifier.lastIndexOf(':') + 1),
};

/**
 * The identity a Slack sender's id stands for, in the event's tenant: the team, or the org an
 * org-wide install is configured with (see `fetchSlackProfile`'s canonical id).
 */
export function slackSenderIdentities(source: Source): IdentityKey[] {
  if (!source.tenantKey) return [];
  return [{ namespace: SLACK_NAMESPACE, identifier: `${source.tenantKey}:${source.sender.id}` }];
}

/** The text without user mentions (`<@U123>`, `<@U123|name>`), for commands such as `/link`. */
export function slackCommandText(message: InboundMessage): string {
  return (message.text ?? '').replace(/<@[^>]+>/g, '').trim();
}
