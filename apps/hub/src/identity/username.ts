import { createHash } from 'node:crypto';
import type { IdentityNamespace } from '@switchboard/core';

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

const platformOf: Record<IdentityNamespace, string> = {
  auth: 'user',
  email: 'email',
  phone: 'phone',
  wa_jid: 'whatsapp',
  slack: 'slack',
  feishu_union: 'feishu',
  feishu_open: 'feishu',
  github_login: 'github',
  github_id: 'github',
};

/**
 * The part of an identifier that names the person on their platform. Scoped ids drop their
 * scope: every member of one Slack team shares the `T…:` prefix, so its first 8 characters would
 * give everybody the same name.
 */
function localPart(namespace: IdentityNamespace, identifier: string): string {
  switch (namespace) {
    case 'slack':
    case 'feishu_open':
      return identifier.slice(identifier.lastIndexOf(':') + 1);
    case 'wa_jid':
      return identifier.split('@')[0] ?? identifier;
    default:
      return identifier;
  }
}

/**
 * The first username a provisioned user is offered: the sanitized email local part when the
 * directory verified the email (a claimed address must not let a sender pick a trusted-looking
 * name such as `ceo`), else `<platform>-<first 8 characters of the external id>`.
 */
export function provisionedUsernameBase(input: {
  namespace: IdentityNamespace;
  identifier: string;
  verifiedEmail?: string;
}): string {
  if (input.verifiedEmail) {
    const fromEmail = sanitize(input.verifiedEmail.split('@')[0] ?? '');
    if (fromEmail.length >= 2) return fromEmail;
  }
  let id = localPart(input.namespace, input.identifier)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 8);
  // An id with no usable character (unlikely, but ids are opaque) still gets a stable name.
  if (id === '') id = createHash('sha256').update(input.identifier).digest('hex').slice(0, 8);
  return `${platformOf[input.namespace]}-${id}`;
}

/** Candidate `attempt` (1-based): `base`, then `base-2`, `base-3`, … within the length limit. */
export function usernameCandidate(base: string, attempt: number): string {
  if (attempt <= 1) return base.slice(0, USERNAME_MAX_LENGTH);
  const suffix = `-${attempt}`;
  return `${base.slice(0, USERNAME_MAX_LENGTH - suffix.length)}${suffix}`;
}
