import { RequestError } from '@octokit/request-error';
import type { CreateAccountErrorCode } from '@switchboard/core';

/** GitHub's refusal, classified: what kind, GitHub's words, and when asking again may succeed. */
export interface GithubFailure {
  code: CreateAccountErrorCode;
  message: string;
  /** GitHub's own message, verbatim (shown to admins: it names the real cause). */
  githubMessage: string;
  status: number;
  retryAfterMs?: number;
  /** 401: GitHub refused the token itself (expired or revoked), not this one request. */
  credentialsRefused?: boolean;
}

interface GithubErrorBody {
  message?: unknown;
  errors?: unknown;
}

/** `message` and every `errors[].message` (and `errors[]` strings) of a GitHub error body. */
export function githubMessages(error: unknown): string[] {
  if (!(error instanceof RequestError)) return [];
  const data = error.response?.data as GithubErrorBody | string | undefined;
  if (typeof data === 'string') return [data];
  const messages: string[] = [];
  if (typeof data?.message === 'string') messages.push(data.message);
  if (Array.isArray(data?.errors)) {
    for (const item of data.errors) {
      if (typeof item === 'string') messages.push(item);
      else if (
        item &&
        typeof item === 'object' &&
        typeof (item as { message?: unknown }).message === 'string'
      )
        messages.push((item as { message: string }).message);
    }
  }
  return messages;
}

const mentions = (error: unknown, pattern: RegExp) => githubMessages(error).some((m) => pattern.test(m));

/**
 * 422 for someone who is in the org already. GitHub has shipped "is already a part of this
 * organization" and "already a member" (and the misspelt "email addresss"), in `message` or in
 * `errors[].message`.
 */
export function isAlreadyMember(error: unknown): boolean {
  return status(error) === 422 && mentions(error, /already a part of|already a member/i);
}

/** 422 an org answers when it cannot invite this person (Enterprise Managed Users). */
export function isCannotBeInvited(error: unknown): boolean {
  return status(error) === 422 && mentions(error, /cannot be invited/i);
}

/** 422 for the daily invitation quota (50 a day for a new org, 500 for a paid one). */
export function isOverInvitationRateLimit(error: unknown): boolean {
  return status(error) === 422 && mentions(error, /over (the )?invitation rate limit/i);
}

export function status(error: unknown): number | undefined {
  return error instanceof RequestError ? error.status : undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function headerValue(error: RequestError, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** When GitHub says to come back: `retry-after` seconds, else the `x-ratelimit-reset` epoch. */
function retryAfterMs(error: RequestError, now: number): number | undefined {
  const after = Number(headerValue(error, 'retry-after'));
  if (Number.isFinite(after) && after >= 0) return after * 1000;
  const reset = Number(headerValue(error, 'x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(reset * 1000 - now, 0) + 1000;
  return undefined;
}

function isRateLimited(error: RequestError): boolean {
  if (error.status === 429) return true;
  if (error.status !== 403) return false;
  return (
    headerValue(error, 'x-ratelimit-remaining') === '0' ||
    mentions(error, /secondary rate limit|rate limit exceeded/i)
  );
}

/**
 * Maps any failure of a GitHub call to a typed one. `what` names the call for the message.
 * `invitationEndpoint` marks the invitation endpoints, where a 404 means "this org cannot invite"
 * (Enterprise Managed Users, or a token without the members permission), not "no such thing".
 */
export function classify(
  error: unknown,
  what: string,
  options: { invitationEndpoint?: boolean; now?: number } = {},
): GithubFailure {
  if (!(error instanceof RequestError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { code: 'transient', status: 0, message: `${what}: ${message}`, githubMessage: message };
  }
  const githubMessage = githubMessages(error).join('; ') || error.message;
  const base = { status: error.status, githubMessage };
  if (isRateLimited(error)) {
    const after = retryAfterMs(error, options.now ?? Date.now());
    return {
      ...base,
      code: 'rate_limited',
      message: `${what}: GitHub rate limit (${githubMessage})`,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  }
  if (isOverInvitationRateLimit(error)) {
    return {
      ...base,
      code: 'rate_limited',
      message: `${what}: the org's daily invitation quota is used up (${githubMessage})`,
      retryAfterMs: DAY_MS,
    };
  }
  if (isCannotBeInvited(error) || (options.invitationEndpoint && error.status === 404)) {
    return {
      ...base,
      code: 'terminal',
      message: `invitations unavailable: EMU or missing permission: ${githubMessage}`,
    };
  }
  if (error.status === 401) {
    return {
      ...base,
      code: 'forbidden',
      credentialsRefused: true,
      message: `${what}: GitHub rejected the token: ${githubMessage}`,
    };
  }
  if (error.status === 403) {
    return {
      ...base,
      code: 'forbidden',
      message: `${what}: the token lacks the organization members permission: ${githubMessage}`,
    };
  }
  if (error.status === 404)
    return { ...base, code: 'invalid', message: `${what}: not found: ${githubMessage}` };
  if (error.status >= 500 || error.status === 0) {
    return {
      ...base,
      code: 'transient',
      message: `${what}: GitHub answered ${error.status}: ${githubMessage}`,
    };
  }
  return { ...base, code: 'invalid', message: `${what}: ${githubMessage}` };
}
