import { header, type VerifyResult, type WebhookRequest } from '@switchboard/core';
import { dotScheme, verifyTimestamped } from '@switchboard/signing';
import { ECHO_SIGNATURE_HEADER, ECHO_TIMESTAMP_HEADER } from './sign.js';

/** How far a signed timestamp may be from the time the request was received, either way. */
export const ECHO_MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * Checks the echo signature over the exact received bytes. Freshness is measured against
 * `req.receivedAt`, so a replayed capture is refused even with a valid signature.
 */
export function verifyEchoRequest(signingSecret: string, req: WebhookRequest): VerifyResult {
  try {
    return verifyTimestamped({
      secret: signingSecret,
      scheme: dotScheme,
      timestamp: header(req, ECHO_TIMESTAMP_HEADER),
      signature: header(req, ECHO_SIGNATURE_HEADER),
      body: req.rawBody,
      receivedAt: req.receivedAt,
      maxSkewSeconds: ECHO_MAX_CLOCK_SKEW_SECONDS,
      names: { timestamp: ECHO_TIMESTAMP_HEADER, signature: ECHO_SIGNATURE_HEADER },
    });
  } catch {
    // The headers themselves are unreadable (a malformed request object): a refusal, never a throw.
    return { ok: false, reason: 'bad_signature', message: 'request could not be verified' };
  }
}
