import { createHmac, timingSafeEqual } from 'node:crypto';
import { header, type VerifyFailureReason, type VerifyResult, type WebhookRequest } from '@switchboard/core';

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
/** Slack's documented replay window: a request signed more than five minutes away from now is refused. */
export const SLACK_MAX_CLOCK_SKEW_SECONDS = 300;

/** HMAC-SHA256 of `v0:{timestamp}:{raw body}`, computed over the bytes so no re-encoding can change it. */
export function slackSignatureDigest(signingSecret: string, timestamp: string, rawBody: Uint8Array): Buffer {
  return createHmac('sha256', signingSecret).update(`v0:${timestamp}:`, 'utf8').update(rawBody).digest();
}

const fail = (reason: VerifyFailureReason, message: string): VerifyResult => ({ ok: false, reason, message });

/**
 * Verifies Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack)
 * over the exact received bytes. Written with node:crypto rather than Bolt's `verifySlackRequest`,
 * which takes the body as a decoded string (so it cannot sign the raw bytes), accepts timestamps from
 * the future and throws instead of answering. Freshness is measured against `req.receivedAt`, in both
 * directions. Never throws.
 */
export function verifySlackRequest(signingSecret: string, req: WebhookRequest): VerifyResult {
  try {
    const timestamp = header(req, SLACK_TIMESTAMP_HEADER);
    const signature = header(req, SLACK_SIGNATURE_HEADER);
    if (!timestamp || !signature) {
      return fail(
        'missing_signature',
        `exactly one ${SLACK_TIMESTAMP_HEADER} and one ${SLACK_SIGNATURE_HEADER} header are required`,
      );
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
      return fail('stale_timestamp', `${SLACK_TIMESTAMP_HEADER} is not a unix time in seconds`);
    }
    const skew = Math.abs(Math.floor(req.receivedAt.getTime() / 1000) - Number(timestamp));
    // Written as "not within" so an invalid receivedAt (NaN) is refused too.
    if (!(skew <= SLACK_MAX_CLOCK_SKEW_SECONDS)) {
      return fail(
        'stale_timestamp',
        `${SLACK_TIMESTAMP_HEADER} is more than ${SLACK_MAX_CLOCK_SKEW_SECONDS} s from the receive time`,
      );
    }
    const provided = /^v0=([0-9a-fA-F]{64})$/.exec(signature)?.[1];
    if (!provided)
      return fail('bad_signature', `${SLACK_SIGNATURE_HEADER} is not of the form v0=<hex sha256>`);
    const expected = slackSignatureDigest(signingSecret, timestamp, req.rawBody);
    const actual = Buffer.from(provided, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      return fail('bad_signature', 'signature does not match the request body');
    }
    return { ok: true };
  } catch {
    // Verification answers, never throws: anything unexpected in the request is a refusal.
    return fail('bad_signature', 'request could not be verified');
  }
}
