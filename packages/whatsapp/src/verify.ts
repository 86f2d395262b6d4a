import { header, type VerifyResult, type WebhookRequest } from '@switchboard/core';
import { constantTimeEqual, HUB_SIGNATURE_256_HEADER, verifyHubSignature256 } from '@switchboard/signing';

/**
 * The body as Meta signs it: every non-ASCII UTF-16 unit written as a lower-case `\uXXXX`
 * escape (`ä` -> `\u00e4`, an emoji as its surrogate pair). Everything else, `\/` included,
 * stays byte for byte as received, which is why this never re-serializes the JSON.
 */
export function escapeUnicode(rawBody: Uint8Array): Uint8Array | undefined {
  if (rawBody.every((byte) => byte < 0x80)) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
  } catch {
    return undefined;
  }
  let escaped = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    escaped += unit < 0x80 ? text[i] : `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return new TextEncoder().encode(escaped);
}

/**
 * `X-Hub-Signature-256` over the raw bytes, in constant time; when that fails and the body has
 * non-ASCII, once more over its escaped-unicode form. Never throws.
 */
export function verifyWhatsAppSignature(req: WebhookRequest, appSecret: string): VerifyResult {
  const signature = header(req, HUB_SIGNATURE_256_HEADER);
  const raw = verifyHubSignature256(appSecret, signature, req.rawBody);
  if (raw.ok || raw.reason === 'missing_signature') return raw;
  const escaped = escapeUnicode(req.rawBody);
  if (escaped && verifyHubSignature256(appSecret, signature, escaped).ok) return { ok: true };
  return raw;
}

/**
 * The subscription check: `hub.mode=subscribe`, a challenge, and the verify token. Meta expects
 * 403 for anything else, so the refusal asks for it.
 */
export function verifySubscription(req: WebhookRequest, verifyToken: string): VerifyResult {
  const token = req.query['hub.verify_token'];
  if (req.query['hub.mode'] !== 'subscribe' || !token || !req.query['hub.challenge']) {
    return {
      ok: false,
      reason: 'bad_token',
      message: 'not a subscription check (hub.mode, hub.challenge)',
      status: 403,
    };
  }
  return constantTimeEqual(Buffer.from(token), Buffer.from(verifyToken))
    ? { ok: true }
    : { ok: false, reason: 'bad_token', message: 'hub.verify_token does not match', status: 403 };
}
