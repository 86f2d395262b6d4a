import { header, type VerifyResult, type WebhookRequest } from '@switchboard/core';
import { slackScheme, timestampedDigest, verifyTimestamped } from '@switchboard/signing';

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
/** Slack's documented replay window: a request signed more than five minutes away from now is refused. */
export const SLACK_MAX_CLOCK_SKEW_SECONDS = 300;

/** HMAC-SHA256 of `v0:{timestamp}:{raw body}`, computed over the bytes so no re-encoding can change it. */
export function slackSignatureDigest(signingSecret: string, timestamp: string, rawBody: Uint8Array): Buffer {
  return timestampedDigest(signingSecret, slackScheme, timestamp, rawBody);
}

/**
 * Verifies Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack)
 * over the exact received bytes, with the shared timestamped-HMAC check rather than Bolt's
 * `verifySlackRequest`, which takes the body as a decoded string (so it cannot sign the raw bytes),
 * accepts timestamps from the future and throws instead of answering. Freshness is measured against
 * `req.receivedAt`, in both directions. Never throws.
 */
export function verifySlackRequest(signingSecret: string, req: WebhookRequest): VerifyResult {
  try {
    return verifyTimestamped({
      secret: signingSecret,
      scheme: slackScheme,
      timestamp: header(req, SLACK_TIMESTAMP_HEADER),
      signature: header(req, SLACK_SIGNATURE_HEADER),
      body: req.rawBody,
      receivedAt: req.receivedAt,
      maxSkewSeconds: SLACK_MAX_CLOCK_SKEW_SECONDS,
      names: { timestamp: SLACK_TIMESTAMP_HEADER, signature: SLACK_SIGNATURE_HEADER },
    });
  } catch {
    // The headers themselves are unreadable (a malformed request object): a refusal, never a throw.
    return { ok: false, reason: 'bad_signature', message: 'request could not be verified' };
  }
}
