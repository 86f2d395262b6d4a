import { type IdentityNamespace, identityNamespaces, SwitchboardError } from '@switchboard/core';
import { type CountryCode, normalizeWaJid, toE164 } from './phone.js';

export type NormalizeFailure = 'empty' | 'invalid_phone' | 'invalid_identifier';

export type NormalizedIdentifier =
  | { ok: true; namespace: IdentityNamespace; identifier: string }
  | { ok: false; namespace: IdentityNamespace; reason: NormalizeFailure; message: string };

export interface NormalizeOptions {
  /** Region for phone numbers written without a `+` country prefix. */
  phoneRegion?: CountryCode;
}

/** An identifier that is not valid in its namespace; `code` is the failure reason. */
export class InvalidIdentifierError extends SwitchboardError {
  readonly namespace: IdentityNamespace;
  readonly reason: NormalizeFailure;

  constructor(namespace: IdentityNamespace, reason: NormalizeFailure, message: string) {
    super(reason, message);
    this.namespace = namespace;
    this.reason = reason;
  }
}

type Rule = (value: string, options: NormalizeOptions) => string | null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EMAIL = /^[^\s@]+@[^\s@.][^\s@]*$/;
const SLACK = /^([A-Z0-9]+):([A-Z0-9]+)$/;
const FEISHU_OPEN = /^([^\s:]+):([^\s:]+)$/;
const OPAQUE = /^[^\s:]+$/;
// GitHub logins: letters, digits and single inner hyphens, at most 39 characters.
const GITHUB_LOGIN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/;

function matching(pattern: RegExp, value: string): string | null {
  return pattern.test(value) ? value : null;
}

/**
 * One canonical spelling per namespace, so the same person is always the same key: ids that are
 * case-insensitive on their platform are lower- (or upper-) cased, phones become E.164, WhatsApp
 * JIDs lose their device suffix. Opaque ids (Feishu) keep their case.
 */
const rules: Record<IdentityNamespace, Rule> = {
  auth: (value) => matching(UUID, value.toLowerCase()),
  email: (value) => matching(EMAIL, value.toLowerCase()),
  phone: (value, options) => toE164(value, options.phoneRegion),
  wa_jid: (value) => normalizeWaJid(value),
  // Slack ids are upper-case; the team (or enterprise) prefix scopes the user id.
  slack: (value) => matching(SLACK, value.toUpperCase()),
  feishu_union: (value) => matching(OPAQUE, value),
  // Open ids are per app, so the app id is part of the key.
  feishu_open: (value) => matching(FEISHU_OPEN, value),
  github_login: (value) => matching(GITHUB_LOGIN, value.toLowerCase()),
  github_id: (value) => matching(/^\d{1,20}$/, value),
};

const formats: Record<IdentityNamespace, string> = {
  auth: 'a hub user id (UUID)',
  email: 'an email address',
  phone: 'a phone number (E.164, or national in the default region)',
  wa_jid: 'a WhatsApp user JID (<digits>@s.whatsapp.net) or wa_id',
  slack: '<team id>:<user id>',
  feishu_union: 'a Feishu union id',
  feishu_open: '<app id>:<open id>',
  github_login: 'a GitHub login',
  github_id: 'a numeric GitHub user id',
};

export function isIdentityNamespace(value: string): value is IdentityNamespace {
  return (identityNamespaces as readonly string[]).includes(value);
}

/** The canonical identifier, or why `raw` is not one. Never throws. */
export function normalizeIdentifier(
  namespace: IdentityNamespace,
  raw: string,
  options: NormalizeOptions = {},
): NormalizedIdentifier {
  const value = raw.trim();
  if (value === '')
    return { ok: false, namespace, reason: 'empty', message: `${namespace} identifier is empty` };
  const identifier = rules[namespace](value, options);
  if (identifier !== null) return { ok: true, namespace, identifier };
  return {
    ok: false,
    namespace,
    reason: namespace === 'phone' ? 'invalid_phone' : 'invalid_identifier',
    message: `not a valid ${namespace} identifier: expected ${formats[namespace]}`,
  };
}

/** Like `normalizeIdentifier`, for callers that treat bad input as an error. */
export function requireIdentifier(
  namespace: IdentityNamespace,
  raw: string,
  options: NormalizeOptions = {},
): string {
  const result = normalizeIdentifier(namespace, raw, options);
  if (!result.ok) throw new InvalidIdentifierError(namespace, result.reason, result.message);
  return result.identifier;
}
