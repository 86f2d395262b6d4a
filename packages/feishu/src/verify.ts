import { createHash, timingSafeEqual } from 'node:crypto';
import { header, type VerifyResult, type WebhookRequest } from '@switchboard/core';
import { bodyToken, decodeFeishuBody } from './envelope.js';

export const FEISHU_TIMESTAMP_HEADER = 'x-lark-request-timestamp';
export const FEISHU_NONCE_HEADER = 'x-lark-request-nonce';
export const FEISHU_SIGNATURE_HEADER = 'x-lark-signature';
/** Both directions: a signature dated further than this from now is refused. */
export const FEISHU_MAX_CLOCK_SKEW_SECONDS = 300;

/** hex SHA-256 of `timestamp + nonce + encrypt_key + raw body`, as Feishu signs a push. */
export function feishuSignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Uint8Array,
): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(rawBody)
    .digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Hashing first makes the compare constant-time whatever the lengths.
  return timingSafeEqual(
    createHash('sha256').update(left).digest(),
    createHash('sha256').update(right).digest(),
  );
}

/**
 * Nonces seen inside the freshness window. A signed request replayed while its timestamp is
 * still fresh is refused; once the window has passed the timestamp check refuses it anyway.
 */
export class NonceBook {
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;
  readonly #max: number;

  constructor(windowMs = FEISHU_MAX_CLOCK_SKEW_SECONDS * 2_000, max = 100_000) {
    this.#windowMs = windowMs;
    this.#max = max;
  }

  /** True the first time a nonce is seen (within the window); false for a replay. */
  claim(nonce: string, nowMs: number): boolean {
    const expiry = this.#seen.get(nonce);
    if (expiry !== undefined && expiry > nowMs) return false;
    if (this.#seen.size >= this.#max) {
      for (const [key, until] of this.#seen) if (until <= nowMs) this.#seen.delete(key);
      // Still full: forget the oldest (insertion order); the timestamp window still bounds replays.
      for (const key of this.#seen.keys()) {
        if (this.#seen.size < this.#max) break;
        this.#seen.delete(key);
      }
    }
    this.#seen.set(nonce, nowMs + this.#windowMs);
    return true;
  }
}

export interface FeishuVerifySecrets {
  encrypt_key?: string | undefined;
  verification_token?: string | undefined;
}

function challengeWithoutSignature(req: WebhookRequest, secrets: FeishuVerifySecrets): boolean {
  // Feishu sends the URL-verification request unsigned. Answering it reveals nothing and creates
  // no event, but it must still decrypt with our key (or carry our token).
  try {
    const body = decodeFeishuBody(req.rawBody, secrets.encrypt_key);
    if (body.type !== 'url_verification') return false;
    const token = bodyToken(body);
    return (
      secrets.verification_token === undefined ||
      (token !== undefined && sameText(token, secrets.verification_token))
    );
  } catch {
    return false;
  }
}

/**
 * Checks a webhook push over its raw bytes. With an encrypt key: the signature headers, a
 * timestamp within ±300 s, a nonce not seen in that window, a constant-time compare. Without
 * one: the verification token in the body. Never throws.
 */
export function verifyFeishuRequest(
  req: WebhookRequest,
  secrets: FeishuVerifySecrets,
  nonces: NonceBook,
): VerifyResult {
  const encryptKey = secrets.encrypt_key;
  if (encryptKey === undefined) return verifyToken(req, secrets.verification_token);
  const timestamp = header(req, FEISHU_TIMESTAMP_HEADER);
  const nonce = header(req, FEISHU_NONCE_HEADER);
  const signature = header(req, FEISHU_SIGNATURE_HEADER);
  if (!timestamp || !nonce || !signature) {
    if (challengeWithoutSignature(req, secrets)) return { ok: true };
    return {
      ok: false,
      reason: 'missing_signature',
      message: 'X-Lark-Signature, timestamp or nonce missing',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: 'X-Lark-Request-Timestamp is not a number of seconds',
    };
  }
  const nowMs = req.receivedAt.getTime();
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > FEISHU_MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, reason: 'stale_timestamp', message: 'X-Lark-Request-Timestamp is outside ±300 s' };
  }
  if (!sameText(signature, feishuSignature(timestamp, nonce, encryptKey, req.rawBody))) {
    return { ok: false, reason: 'bad_signature', message: 'X-Lark-Signature does not match the body' };
  }
  // Claimed only for a valid signature: an attacker cannot burn a nonce Feishu will use.
  if (!nonces.claim(`${timestamp}:${nonce}`, nowMs)) {
    return { ok: false, reason: 'bad_signature', message: 'X-Lark-Request-Nonce replayed inside the window' };
  }
  return { ok: true };
}

function verifyToken(req: WebhookRequest, expected: string | undefined): VerifyResult {
  if (expected === undefined) {
    return { ok: false, reason: 'bad_token', message: 'no encrypt_key or verification_token configured' };
  }
  let token: string | undefined;
  try {
    token = bodyToken(decodeFeishuBody(req.rawBody, undefined));
  } catch {
    return { ok: false, reason: 'bad_token', message: 'body is not a plain JSON event carrying a token' };
  }
  if (token === undefined)
    return { ok: false, reason: 'bad_token', message: 'body carries no verification token' };
  if (!sameText(token, expected))
    return { ok: false, reason: 'bad_token', message: 'verification token does not match' };
  return { ok: true };
}
