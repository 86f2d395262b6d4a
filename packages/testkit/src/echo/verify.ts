import { timingSafeEqual } from 'node:crypto';
import { header, type VerifyResult, type WebhookRequest } from '@switchboard/core';
import { ECHO_SIGNATURE_HEADER, ECHO_TIMESTAMP_HEADER, echoSignatureDigest } from './sign.js';

/** How far a signed timestamp may be from the time the request was received, either way. */
export const ECHO_MAX_CLOCK_SKEW_SECONDS = 300;

const fail = (reason: Exclude<VerifyResult, { ok: true }>['reason'], message: string): VerifyResult => ({
  ok: false,
  reason,
  message,
});

/**
 * Checks the echo signature over the exact received bytes. Freshness is measured against
 * `req.receivedAt`, so a replayed capture is refused even with a valid signature.
 */
export function verifyEchoRequest(signingSecret: string, req: WebhookRequest): VerifyResult {
  try {
    const timestamp = header(req, ECHO_TIMESTAMP_HEADER);
    const signature = header(req, ECHO_SIGNATURE_HEADER);
    if (!timestamp || !signature) {
      return fail(
        'missing_signature',
        `exactly one ${ECHO_TIMESTAMP_HEADER} and ${ECHO_SIGNATURE_HEADER} header required`,
      );
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
      return fail('stale_timestamp', `${ECHO_TIMESTAMP_HEADER} is not a unix time in seconds`);
    }
    const skew = Math.abs(Math.floor(req.receivedAt.getTime() / 1000) - Number(timestamp));
    // Written as "not within" so an invalid receivedAt (NaN) is refused too.
    if (!(skew <= ECHO_MAX_CLOCK_SKEW_SECONDS)) {
      return fail(
        'stale_timestamp',
        `timestamp is more than ${ECHO_MAX_CLOCK_SKEW_SECONDS} s from the receive time`,
      );
    }
    const provided = /^v1=([0-9a-fA-F]{64})$/.exec(signature)?.[1];
    if (!provided)
      return fail('bad_signature', `${ECHO_SIGNATURE_HEADER} is not of the form v1=<hex sha256>`);
    const expected = echoSignatureDigest(signingSecret, timestamp, req.rawBody);
    const actual = Buffer.from(provided, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      return fail('bad_signature', 'signature does not match the request body');
    }
    return { ok: true };
  } catch {
    // Verification must answer, never throw: anything unexpected in the request is a refusal.
    return fail('bad_signature', 'request could not be verified');
  }
}
