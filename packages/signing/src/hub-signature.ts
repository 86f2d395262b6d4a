import { digestMatchesHex, hmacSha256, type SignedPart } from './hmac.js';
import { refuse, type SignatureCheck } from './result.js';

/** The header GitHub and the WhatsApp Cloud API send: `sha256=<hex HMAC-SHA256 of the body>`. */
export const HUB_SIGNATURE_256_HEADER = 'x-hub-signature-256';

/** The header value for `body`, with no timestamp (replays are stopped by delivery-id dedup). */
export function signHubSignature256(secret: string, body: SignedPart): string {
  return `sha256=${hmacSha256(secret, body).toString('hex')}`;
}

/** Checks an `X-Hub-Signature-256` value over the exact bytes, in constant time. Never throws. */
export function verifyHubSignature256(
  secret: string,
  header: string | undefined,
  body: SignedPart,
): SignatureCheck {
  try {
    if (!header)
      return refuse('missing_signature', `exactly one ${HUB_SIGNATURE_256_HEADER} header is required`);
    const hex = /^sha256=(.*)$/.exec(header)?.[1];
    if (hex === undefined || !/^[0-9a-fA-F]{64}$/.test(hex)) {
      return refuse('bad_signature', `${HUB_SIGNATURE_256_HEADER} is not of the form sha256=<hex sha256>`);
    }
    if (!digestMatchesHex(hmacSha256(secret, body), hex)) {
      return refuse('bad_signature', 'signature does not match the request body');
    }
    return { ok: true };
  } catch {
    return refuse('bad_signature', 'request could not be verified');
  }
}
