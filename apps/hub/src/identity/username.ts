import { createHash } from 'node:crypto';
import { type IdentityNamespace, type NamespaceRules, namespaceScheme } from '@switchboard/core';

/** Usernames are at most this long (the member API accepts the same). */
export const USERNAME_MAX_LENGTH = 64;

/** Lower-case letters, digits, dots, dashes and underscores, starting and ending alphanumeric. */
function sanitize(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, USERNAME_MAX_LENGTH)
    .replace(/[^a-z0-9]+$/, '');
}

/** A username derived from an email's local part: lower-cased, unsupported characters dashed. */
export function usernameFromEmail(email: string): string {
  const cleaned = sanitize(email.split('@')[0] ?? '');
  return cleaned.length >= 2 ? cleaned : `user-${cleaned}`.replace(/-$/, '');
}

/**
 * The first username a provisioned user is offered: the sanitized email local part when the
 * directory verified the email (a claimed address must not let a sender pick a trusted-looking
 * name such as `ceo`), else `<prefix>-<first 8 characters of the external id>`. The namespace's
 * rules give the prefix (default: its scheme) and the part of the id that names the person: a
 * scoped id drops its scope, since every member of one tenant shares it.
 */
export function provisionedUsernameBase(input: {
  namespace: IdentityNamespace;
  identifier: string;
  verifiedEmail?: string;
  rules?: Pick<NamespaceRules, 'usernamePrefix' | 'usernameHint'>;
}): string {
  if (input.verifiedEmail) {
    const fromEmail = sanitize(input.verifiedEmail.split('@')[0] ?? '');
    if (fromEmail.length >= 2) return fromEmail;
  }
  const hint = input.rules?.usernameHint?.(input.identifier) ?? input.identifier;
  let id = hint
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 8);
  // An id with no usable character (unlikely, but ids are opaque) still gets a stable name.
  if (id === '') id = createHash('sha256').update(input.identifier).digest('hex').slice(0, 8);
  const prefix = sanitize(input.rules?.usernamePrefix ?? namespaceScheme(input.namespace)) || 'user';
  return `${prefix}-${id}`;
}

/** Candidate `attempt` (1-based): `base`, then `base-2`, `base-3`, … within the length limit. */
export function usernameCandidate(base: string, attempt: number): string {
  if (attempt <= 1) return base.slice(0, USERNAME_MAX_LENGTH);
  const suffix = `-${attempt}`;
  return `${base.slice(0, USERNAME_MAX_LENGTH - suffix.length)}${suffix}`;
}
