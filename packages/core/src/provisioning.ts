import { EmptyExternalIdError } from './errors.js';
import type { VerifyResult, WebhookRequest, WebhookResponse } from './webhook.js';

/**
 * Which id space an external id belongs to; (namespace, identifier) identifies a person. An open
 * scheme, validated by `isIdentityNamespace`: a lower-case name (`email`, `phone`, `auth`,
 * `wa_jid`), optionally scoped by the tenant or app that issues the ids (`slack:T123`). The hub
 * knows the generic ones; a plugin contributes `NamespaceRules` for its own.
 */
export type IdentityNamespace = string;

const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,31}(?::[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$/;

/** True for a well-formed namespace (`scheme` or `scheme:scope`); says nothing about who knows it. */
export function isIdentityNamespace(value: string): boolean {
  return NAMESPACE_PATTERN.test(value);
}

/** The scheme of a namespace: `slack` for `slack:T123`. */
export function namespaceScheme(namespace: string): string {
  const colon = namespace.indexOf(':');
  return colon === -1 ? namespace : namespace.slice(0, colon);
}

export interface IdentityKey {
  namespace: IdentityNamespace;
  identifier: string;
}

export interface NormalizeOptions {
  /** ISO 3166-1 alpha-2 region for phone numbers written without a `+` country prefix. */
  phoneRegion?: string;
}

/**
 * What a plugin says about an identity namespace of its platform: how ids are spelled canonically,
 * which part of one makes a readable username, and which further identities linking one implies.
 * The hub applies them when it links, provisions or resolves; it has no platform rules of its own.
 */
export interface NamespaceRules {
  /** The scheme this governs (`slack` covers `slack` and every `slack:<scope>`). */
  readonly scheme: string;
  /** Shown when an identifier is refused, e.g. `<team id>:<user id>`. */
  readonly format: string;
  /** Prefix of provisioned usernames (`slack-u0abc123`); defaults to the scheme. */
  readonly usernamePrefix?: string;
  /** The canonical spelling of a (trimmed, non-empty) identifier, or null when it is not one. */
  normalize(identifier: string, options: NormalizeOptions): string | null;
  /** The part of a canonical identifier that names the person (drops a shared tenant prefix). */
  usernameHint?(identifier: string): string;
  /**
   * Identities that linking `key` (any namespace, canonical) implies on this platform, linked
   * with it atomically: a WhatsApp plugin derives the JID of a phone number.
   */
  linked?(key: IdentityKey): IdentityKey[];
}

/** What a platform directory says about a sender (Channel.fetchProfile, AutoProvision). */
export interface DirectoryProfile {
  canonicalId: string;
  email?: string;
  /** Only a verified email may be used to link the sender to an existing user. */
  emailVerified: boolean;
  name?: string;
  tenant?: string;
  isGuest: boolean;
  /**
   * Set when the directory knows the person but their account may not be used (e.g. `frozen`,
   * `resigned`, `unjoined`): the hub denies them with audit `inactive_user`, the status in the
   * detail. A directory should also report `isGuest` for them, so a consumer that reads only
   * `isGuest` denies them too.
   */
  inactive?: string;
}

export interface ProvisionUserRequest {
  workspaceId: string;
  namespace: IdentityNamespace;
  externalId: string;
  /** Tried in order when `externalId` is blank (e.g. a union id the app could not see). */
  fallbackIds?: string[];
  email?: string;
  emailVerified?: boolean;
  displayName?: string;
  /**
   * Resolve to the existing user who owns `email` (as a trusted identity) instead of creating
   * one, when `emailVerified` is true. Off unless the installation enables it.
   */
  linkByVerifiedEmail?: boolean;
  /**
   * The verified platform event that proves the tenant. When given, a newly created user's
   * `provisioned` audit row is written in the same transaction as the user.
   */
  event?: {
    installationId: string;
    channelType: string;
    platformEventId?: string;
    channelUserId?: string;
  };
}

export interface ProvisionUserResult {
  status: 'created' | 'existing';
  userId: string;
  username: string;
  /** The normalized identifier the user is keyed on (after fallbacks and normalization). */
  identifier?: string;
  /** How an existing user was found: their own identity, or a trusted verified email. */
  matchedBy?: 'identity' | 'verified_email';
  /** True when this call added the (existing) user to the workspace. */
  joinedWorkspace?: boolean;
}

/** Implemented by the hub; idempotent on (namespace, externalId). */
export interface Provisioner {
  provisionUser(req: ProvisionUserRequest): Promise<ProvisionUserResult>;
}

/** The trimmed external id, else the first non-blank fallback; throws `EmptyExternalIdError`. */
export function pickExternalId(
  req: Pick<ProvisionUserRequest, 'namespace' | 'externalId' | 'fallbackIds'>,
): string {
  for (const candidate of [req.externalId, ...(req.fallbackIds ?? [])]) {
    const trimmed = candidate?.trim();
    if (trimmed) return trimmed;
  }
  throw new EmptyExternalIdError(req.namespace);
}

export interface ProvisionedAccount {
  id: string;
  login?: string;
  email?: string;
  /**
   * Identities the platform verified for this account (e.g. its login and numeric id, in the
   * plugin's namespaces). The hub links them to the member as `provisioned` once it is active.
   */
  identities?: IdentityKey[];
}

/**
 * Something the platform grants an account only once it exists (a team membership, a repository
 * role). Given with the request, applied when the account becomes active: at once on `success` /
 * `already_exists`, or when the person accepts an invitation.
 */
export interface AccountGrant {
  /** Adapter-defined, e.g. `team`. */
  kind: string;
  /** What is granted, e.g. the team's slug. */
  target: string;
  role?: string;
}

/** Asks a platform to create an account for a workspace user (e.g. a GitHub org invitation). */
export interface CreateAccountRequest {
  workspaceId: string;
  userId: string;
  email?: string;
  login?: string;
  externalId?: string;
  role?: string;
  teams?: string[];
  /** Deferred until the account is active; the hub stores them with the request. */
  grants?: AccountGrant[];
}

export type CreateAccountErrorCode = 'invalid' | 'rate_limited' | 'forbidden' | 'transient' | 'terminal';

export type CreateAccountResult =
  | { status: 'success'; account: ProvisionedAccount }
  | { status: 'already_exists'; account?: ProvisionedAccount }
  /** The platform needs the person to act (accept an invitation) before the account exists. */
  | {
      status: 'action_required';
      pending: { id: string; expiresAt?: string; detail: string };
      /** What a person should know (an earlier invitation failed or expired); the hub audits them. */
      warnings?: string[];
    }
  | {
      status: 'error';
      code: CreateAccountErrorCode;
      message: string;
      retryAfterMs?: number;
      /**
       * The platform refused the installation's credentials themselves (expired or revoked token),
       * not just this request: the hub reports the installation's token as revoked.
       */
      credentialsRefused?: boolean;
    };

export type ApplyGrantsResult = { status: 'applied' } | { status: 'error'; message: string };

/**
 * What a provisioner's platform reports about an earlier `action_required` (by its pending id):
 * the person accepted (the account now exists), or the invitation expired, was canceled or failed.
 */
export type AccountEvent =
  | { kind: 'accepted'; pendingId: string; account: ProvisionedAccount }
  | { kind: 'expired' | 'canceled' | 'failed'; pendingId: string; detail?: string }
  /**
   * The platform reports an account that joined without naming the invitation (e.g. an org
   * member event): the hub matches it to an invited row by login, else asks `reconcile`.
   */
  | { kind: 'joined'; account: ProvisionedAccount }
  /**
   * The platform reports an invitation it sent (perhaps for a request whose answer was lost): a
   * `pending` request for the same login or email becomes invited with this id.
   */
  | { kind: 'invited'; pendingId: string; login?: string; email?: string; expiresAt?: string }
  /**
   * A grant changed on the platform itself (a team membership added or removed there): the hub
   * keeps the row's view of its grants in step.
   */
  | { kind: 'grant_changed'; account: ProvisionedAccount; grant: AccountGrant; change: 'added' | 'removed' }
  /** The account was removed from the platform: its active row is revoked. */
  | { kind: 'removed'; account: ProvisionedAccount; detail?: string };

/** An open request as the hub hands it to `reconcile`: what was asked and the pending id. */
export interface PendingAccountRequest {
  /** The pending id `createAccount` returned. */
  pendingId: string;
  login?: string;
  email?: string;
}

export interface ReconcileOptions {
  /** An account that just joined (a `joined` event no row matched by login): whose it may be. */
  joined?: ProvisionedAccount;
}

/** What a provisioner's installation status reads from the platform. */
export interface AccountProvisionerStatus {
  ok: boolean;
  /** Facts for an admin (plan, seats, whether invitations are available); never secrets. */
  detail: Record<string, unknown>;
  /** Set when `ok` is false: what is wrong and what a person can do. */
  message?: string;
}

/** Turns the platform's webhook posts into account events (verified like a channel webhook). */
export interface AccountWebhookHandler {
  /** Must never throw; a failure is a `VerifyResult`. */
  verify(req: WebhookRequest): VerifyResult;
  /**
   * Called only after `verify` succeeded; throws `MalformedPayloadError` on bad input.
   * `deliveryId`, when the platform names its deliveries, is unique per delivery (scoped by
   * whatever the platform scopes it by): the hub handles one id once and answers a replay as done.
   */
  parse(req: WebhookRequest): { response?: WebhookResponse; events: AccountEvent[]; deliveryId?: string };
}

/**
 * One installation of an account provisioner (e.g. one GitHub org). The hub persists every request
 * and its lifecycle (`pending -> invited -> active | expired | failed | canceled`); the provisioner
 * only talks to the platform.
 */
export interface AccountProvisioner {
  createAccount(req: CreateAccountRequest): Promise<CreateAccountResult>;
  /** Applies deferred grants to an active account; absent when the platform has none. */
  applyGrants?(account: ProvisionedAccount, grants: AccountGrant[]): Promise<ApplyGrantsResult>;
  /** Withdraws a pending invitation. */
  cancel?(pendingId: string): Promise<void>;
  /** Present when the platform reports acceptance and expiry by webhook. */
  readonly webhook?: AccountWebhookHandler;
  /**
   * Asks the platform about open requests (the platform may send no event on expiry, and
   * webhooks can be missed) and reports what changed as events. The hub runs it on a schedule,
   * once across replicas, and after a `joined` event it could not match. A refusal of the
   * installation's credentials throws a `PlatformError` of kind `unauthorized` (the hub's health
   * monitor reports it as `token_revoked`).
   */
  reconcile?(pending: PendingAccountRequest[], options?: ReconcileOptions): Promise<AccountEvent[]>;
  /** True when the installation asks for expired invitations to be sent again (else surfaced). */
  readonly reinviteExpired?: boolean;
  /** Reads the installation's standing on the platform (plan, whether it can invite). */
  status?(): Promise<AccountProvisionerStatus>;
}
