import type { IdentityKey, InboundMessage, NamespaceRules, Source } from '@switchboard/core';

/**
 * Feishu people are keyed on their union id (stable across the apps of one developer). An
 * installation whose app cannot see union ids provisions on the open id instead: open ids
 * (`ou_…`) and union ids (`on_…`) never collide, so both live in this namespace.
 */
export const FEISHU_UNION_NAMESPACE = 'feishu_union';
/** Open ids are per app, so the app id is part of the key: `<app id>:<open id>`. */
export const FEISHU_OPEN_NAMESPACE = 'feishu_open';

const OPAQUE = /^[^\s:]+$/;
const APP_SCOPED = /^[^\s:]+:[^\s:]+$/;

export const feishuNamespaceRules: NamespaceRules[] = [
  {
    scheme: FEISHU_UNION_NAMESPACE,
    format: 'a Feishu union id (on_…)',
    usernamePrefix: 'feishu',
    // Feishu ids are opaque and case-sensitive: kept as they are.
    normalize: (identifier) => (OPAQUE.test(identifier) ? identifier : null),
  },
  {
    scheme: FEISHU_OPEN_NAMESPACE,
    format: '<app id>:<open id>',
    usernamePrefix: 'feishu',
    normalize: (identifier) => (APP_SCOPED.test(identifier) ? identifier : null),
    usernameHint: (identifier) => identifier.slice(identifier.lastIndexOf(':') + 1),
  },
];

/** The identities a Feishu sender stands for: their union id, and their open id in this app. */
export function feishuSenderIdentities(source: Source): IdentityKey[] {
  const keys: IdentityKey[] = [];
  const unionId = source.sender.unionId;
  if (unionId) keys.push({ namespace: FEISHU_UNION_NAMESPACE, identifier: unionId });
  if (source.appId) {
    keys.push({ namespace: FEISHU_OPEN_NAMESPACE, identifier: `${source.appId}:${source.sender.id}` });
  }
  return keys;
}

/** The text without `@_user_N` placeholders or resolved `@name` mentions, for `/link`. */
export function feishuCommandText(message: InboundMessage): string {
  let text = message.text ?? '';
  text = text.replace(/@_user_\d+/g, '');
  for (const mention of message.mentions) if (mention.name) text = text.split(`@${mention.name}`).join('');
  return text.trim();
}
