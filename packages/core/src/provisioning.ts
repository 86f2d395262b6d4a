import { EmptyExternalIdError } from './errors.js';

export const identityNamespaces = [
  'auth',
  'email',
  'phone',
  'wa_jid',
  'slack',
  'feishu_union',
  'feishu_open',
  'github_login',
  'github_id',
] as const;
/** Which id space an external id belongs to; (namespace, externalId) identifies a person. */
export type IdentityNamespace = (typeof identityNamespaces)[number];

/** What a platform directory says about a sender (Channel.fetchProfile, AutoProvision). */
export interface DirectoryProfile {
  canonicalId: string;
  email?: string;
  /** Only a verified email may be used to link the sender to an existing user. */
  emailVerified: boolean;
  name?: string;
  tenant?: string;
  isGuest: boolean;
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
}

export type CreateAccountErrorCode = 'invalid' | 'rate_limited' | 'forbidden' | 'transient' | 'terminal';

export type CreateAccountResult =
  | { status: 'success'; account: ProvisionedAccount }
  | { status: 'already_exists'; account?: ProvisionedAccount }
  /** The platform needs the person to act (accept an invitation) before the account exists. */
  | { status: 'action_required'; pending: { id: string; expiresAt?: string; detail: string } }
  | { status: 'error'; code: CreateAccountErrorCode; message: string; retryAfterMs?: number };

export interface AccountProvisioner {
  createAccount(req: CreateAccountRequest): Promise<CreateAccountResult>;
}
