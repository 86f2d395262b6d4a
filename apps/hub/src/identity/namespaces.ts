import {
  type IdentityKey,
  type IdentityNamespace,
  isIdentityNamespace,
  type NamespaceRules,
  type NormalizeOptions,
  namespaceScheme,
  SwitchboardError,
} from '@switchboard/core';
import { type CountryCode, toE164 } from './phone.js';

export type NormalizeFailure = 'empty' | 'invalid_phone' | 'invalid_identifier' | 'unknown_namespace';

export type NormalizedIdentifier =
  | { ok: true; namespace: IdentityNamespace; identifier: string }
  | { ok: false; namespace: IdentityNamespace; reason: NormalizeFailure; message: string };

export interface HubNormalizeOptions extends NormalizeOptions {
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EMAIL = /^[^\s@]+@[^\s@.][^\s@]*$/;

const matching = (pattern: RegExp, value: string): string | null => (pattern.test(value) ? value : null);

/**
 * The namespaces that belong to no platform: hub users, emails and phone numbers. Platforms'
 * namespaces come from their plugins (`ChannelPlugin.namespaces`).
 */
export const genericNamespaceRules: readonly NamespaceRules[] = [
  {
    scheme: 'auth',
    format: 'a hub user id (UUID)',
    usernamePrefix: 'user',
    normalize: (v) => matching(UUID, v.toLowerCase()),
  },
  { scheme: 'email', format: 'an email address', normalize: (v) => matching(EMAIL, v.toLowerCase()) },
  {
    scheme: 'phone',
    format: 'a phone number (E.164, or national in the default region)',
    normalize: (v, options) => toE164(v, options.phoneRegion as CountryCode | undefined),
  },
];

/**
 * Every identity namespace the hub knows and its rules: the generic ones plus those the loaded
 * plugins contribute. One canonical spelling per namespace, so the same person is always the
 * same key. A plugin cannot redefine a generic namespace.
 */
export class NamespaceBook {
  readonly #rules = new Map<string, NamespaceRules>();

  constructor(pluginRules: readonly NamespaceRules[] = []) {
    for (const rules of genericNamespaceRules) this.#rules.set(rules.scheme, rules);
    for (const rules of pluginRules) {
      if (this.#rules.has(rules.scheme)) {
        throw new Error(`identity namespace "${rules.scheme}" is defined twice; the hub defines it already`);
      }
      this.#rules.set(rules.scheme, rules);
    }
  }

  /** The rules governing `namespace` (by its scheme), undefined for a malformed or unknown one. */
  rulesFor(namespace: string): NamespaceRules | undefined {
    return isIdentityNamespace(namespace) ? this.#rules.get(namespaceScheme(namespace)) : undefined;
  }

  /** The known schemes, sorted (for error messages and docs). */
  schemes(): string[] {
    return [...this.#rules.keys()].sort();
  }

  /** The canonical identifier, or why `raw` is not one. Never throws. */
  normalize(namespace: string, raw: string, options: HubNormalizeOptions = {}): NormalizedIdentifier {
    const rules = this.rulesFor(namespace);
    if (!rules) {
      return {
        ok: false,
        namespace,
        reason: 'unknown_namespace',
        message: `unknown identity namespace "${namespace}"; known: ${this.schemes().join(', ')}`,
      };
    }
    const value = raw.trim();
    if (value === '')
      return { ok: false, namespace, reason: 'empty', message: `${namespace} identifier is empty` };
    const identifier = rules.normalize(value, options);
    if (identifier !== null) return { ok: true, namespace, identifier };
    return {
      ok: false,
      namespace,
      reason: rules.scheme === 'phone' ? 'invalid_phone' : 'invalid_identifier',
      message: `not a valid ${namespace} identifier: expected ${rules.format}`,
    };
  }

  /** Like `normalize`, for callers that treat bad input as an error. */
  require(namespace: string, raw: string, options: HubNormalizeOptions = {}): string {
    const result = this.normalize(namespace, raw, options);
    if (!result.ok) throw new InvalidIdentifierError(namespace, result.reason, result.message);
    return result.identifier;
  }

  /**
   * The identities linking `key` implies (a plugin derives a JID from a phone), canonical and
   * without `key` itself or repeats; ones their own namespace refuses are left out.
   */
  linked(key: IdentityKey): IdentityKey[] {
    const seen = new Set([`${key.namespace}\u0000${key.identifier}`]);
    const extra: IdentityKey[] = [];
    for (const rules of this.#rules.values()) {
      for (const derived of rules.linked?.(key) ?? []) {
        const normalized = this.normalize(derived.namespace, derived.identifier);
        if (!normalized.ok) continue;
        const id = `${derived.namespace}\u0000${normalized.identifier}`;
        if (seen.has(id)) continue;
        seen.add(id);
        extra.push({ namespace: derived.namespace, identifier: normalized.identifier });
      }
    }
    return extra;
  }
}

/** The generic namespaces only; what code that has no plugins at hand (emails, tests) uses. */
export const genericNamespaces = new NamespaceBook();

/** `genericNamespaces.normalize`: emails, phones and hub user ids. */
export function normalizeIdentifier(
  namespace: string,
  raw: string,
  options: HubNormalizeOptions = {},
): NormalizedIdentifier {
  return genericNamespaces.normalize(namespace, raw, options);
}
