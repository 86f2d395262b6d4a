import type { z } from 'zod';

/** Base of every error core defines; `code` is stable and safe to show to API clients. */
export class SwitchboardError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A lookup found nothing. Stores throw it; callers probing "is this free?" test with `isNotFound`. */
export class NotFoundError extends SwitchboardError {
  readonly entity: string;
  readonly key?: string;

  constructor(entity: string, key?: string) {
    super('not_found', key === undefined ? `${entity} not found` : `${entity} "${key}" not found`);
    this.entity = entity;
    if (key !== undefined) this.key = key;
  }
}

/**
 * The only error a probe may read as "free". Anything else (a dropped connection, a timeout)
 * must propagate, or an outage would be mistaken for an available name.
 */
export function isNotFound(error: unknown): error is NotFoundError {
  return error instanceof NotFoundError;
}

export class UnknownChannelTypeError extends SwitchboardError {
  readonly channelType: string;
  readonly registeredTypes: string[];

  constructor(channelType: string, registeredTypes: string[]) {
    const known = registeredTypes.length > 0 ? registeredTypes.join(', ') : '(none)';
    super('unknown_channel_type', `unknown channel type "${channelType}"; registered types: ${known}`);
    this.channelType = channelType;
    this.registeredTypes = [...registeredTypes];
  }
}

/** A module named as a plugin does not export a usable one (wrong export, API version or shape). */
export class InvalidPluginError extends SwitchboardError {
  readonly source: string;
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super('invalid_plugin', `plugin "${source}" cannot be loaded: ${problems.join('; ')}`);
    this.source = source;
    this.problems = [...problems];
  }
}

/** Two plugins (or one twice) register the same channel or provisioner type. */
export class DuplicateChannelTypeError extends SwitchboardError {
  readonly channelType: string;

  constructor(channelType: string, sources: [string, string]) {
    super(
      'duplicate_channel_type',
      `type "${channelType}" is registered by both "${sources[0]}" and "${sources[1]}"; name each plugin once`,
    );
    this.channelType = channelType;
  }
}

export type ValidationIssue = z.core.$ZodIssue;

// Zod messages never echo the input value, so the summary cannot leak a secret.
function summarizeIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message)
    .join('; ');
}

export class InvalidConfigError extends SwitchboardError {
  readonly issues: ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super('invalid_config', `invalid channel config: ${summarizeIssues(issues)}`);
    this.issues = [...issues];
  }
}

/**
 * The platform refused the credentials or settings of a config at install time (a revoked bot
 * token, a wrong app). `platformCode` is the platform's own error code, safe to show.
 */
export class ConfigRejectedError extends SwitchboardError {
  readonly platformCode: string;
  /** True when the platform could not be asked at all (network, timeout): worth retrying. */
  readonly unreachable: boolean;
  /** The config key the platform refused (e.g. the token it rejected), so forms can point at it. */
  readonly field: string | undefined;

  constructor(
    platformCode: string,
    message: string,
    options?: { cause?: unknown; unreachable?: boolean; field?: string },
  ) {
    super('config_rejected', message, options);
    this.platformCode = platformCode;
    this.unreachable = options?.unreachable ?? false;
    this.field = options?.field;
  }
}

export class InvalidEnvelopeError extends SwitchboardError {
  readonly issues: ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super('invalid_envelope', `invalid envelope: ${summarizeIssues(issues)}`);
    this.issues = [...issues];
  }
}

/** Thrown by a webhook handler's `parse` for bad JSON or an unexpected shape; the hub answers 400. */
export class MalformedPayloadError extends SwitchboardError {
  readonly issues?: ValidationIssue[];

  constructor(message: string, options?: { issues?: readonly ValidationIssue[]; cause?: unknown }) {
    super('malformed_payload', message, options);
    if (options?.issues) this.issues = [...options.issues];
  }
}

export type PlatformErrorKind = 'rate_limited' | 'transient' | 'permanent' | 'not_found' | 'unauthorized';

export interface PlatformErrorDetails {
  retryAfterMs?: number;
  status?: number;
  platformCode?: string;
  cause?: unknown;
}

/** A platform API call failed; `kind` tells the hub whether and when to retry. */
export class PlatformError extends SwitchboardError {
  readonly kind: PlatformErrorKind;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly platformCode?: string;

  constructor(kind: PlatformErrorKind, message: string, details: PlatformErrorDetails = {}) {
    super('platform_error', message, { cause: details.cause });
    this.kind = kind;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.status !== undefined) this.status = details.status;
    if (details.platformCode !== undefined) this.platformCode = details.platformCode;
  }
}

/**
 * The platform refused the installation's credentials (an expired or revoked token, a wrong app
 * secret). Adapters map their platform's codes onto `kind: 'unauthorized'`; the hub branches on
 * this, never on a platform's own code.
 */
export function isCredentialsRefused(error: unknown): error is PlatformError {
  return error instanceof PlatformError && error.kind === 'unauthorized';
}

export function isRetryable(error: unknown): boolean {
  return error instanceof PlatformError && (error.kind === 'rate_limited' || error.kind === 'transient');
}

/** Neither the external id nor any fallback id had content, so there is nothing to key a user on. */
export class EmptyExternalIdError extends SwitchboardError {
  constructor(namespace: string) {
    super('empty_external_id', `no non-empty external id for namespace "${namespace}"`);
  }
}

export class UnknownCapabilityError extends SwitchboardError {
  readonly names: string[];

  constructor(names: string[], known: readonly string[]) {
    super('unknown_capability', `unknown capabilities: ${names.join(', ')}; known: ${known.join(', ')}`);
    this.names = names;
  }
}

/** Why a provisioning request was refused; the code is `provision_refused_<reason>`. */
export type ProvisionRefusal =
  /** The workspace has no owner or admin: nobody could manage the people provisioned into it. */
  | 'no_admin'
  /** The identity or its user is deactivated; provisioning never re-activates either. */
  | 'deactivated'
  /** An admin removed the user from this workspace; only an admin may add them back. */
  | 'removed';

/** A decision not to provision (not a failure): callers audit it and do not retry. */
export class ProvisionRefusedError extends SwitchboardError {
  readonly reason: ProvisionRefusal;

  constructor(reason: ProvisionRefusal, message: string) {
    super(`provision_refused_${reason}`, message);
    this.reason = reason;
  }
}

/** Every candidate username (`base`, `base-2`, ... `base-<max>`) is taken. */
export class UsernameExhaustedError extends SwitchboardError {
  readonly base: string;
  readonly attempts: number;

  constructor(base: string, attempts: number) {
    super('username_exhausted', `no free username for "${base}" after ${attempts} candidates`);
    this.base = base;
    this.attempts = attempts;
  }
}

/** `Channel.downloadMedia`: the platform no longer has (or never had) the media a ref names. */
export class MediaNotFoundError extends SwitchboardError {
  constructor(message = 'the media was not found on the platform', options?: { cause?: unknown }) {
    super('media_not_found', message, options);
  }
}

/**
 * Media larger than the caller's cap: `Channel.downloadMedia` stops reading at `maxBytes`, and a
 * send refuses a `url` whose body exceeds what the platform or the hub accepts.
 */
export class MediaTooLargeError extends SwitchboardError {
  readonly maxBytes: number;
  /** The size the platform declared, when it did. */
  readonly size?: number;

  constructor(maxBytes: number, size?: number) {
    super(
      'media_too_large',
      size === undefined
        ? `the media exceeds the ${maxBytes}-byte cap`
        : `the media is ${size} bytes, over the ${maxBytes}-byte cap`,
    );
    this.maxBytes = maxBytes;
    if (size !== undefined) this.size = size;
  }
}
