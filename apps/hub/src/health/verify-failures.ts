import type { VerifyFailureReason } from '@switchboard/core';

/** Told about every webhook of a known installation that failed verification. */
export type VerifyFailureSink = (installationId: string, reason: VerifyFailureReason) => void;

/**
 * The refusals that point at a wrong signing secret or verify token. A missing signature is what
 * scanners send and a stale timestamp is a clock or replay matter: neither says the secret is wrong.
 */
export function pointsAtWrongSecret(reason: VerifyFailureReason): boolean {
  return reason === 'bad_signature' || reason === 'bad_token';
}
