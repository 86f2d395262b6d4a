import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const DELIVERY_HEADER = 'x-switchboard-delivery';
/** Signed requests older or newer than this are refused (replay window). */
export const SIGNATURE_MAX_SKEW_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, as agents receive and send it. */
export function signBody(secret: string, body: string | Uint8Array, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** Checks a signature header against the exact body bytes, in constant time. Never throws. */
export function verifyBodySignature(
  secret: string,
  header: string | undefined,
  body: Uint8Array,
  nowMs = Date.now(),
): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match?.[1] || !match[2]) return false;
  if (!(Math.abs(Math.floor(nowMs / 1000) - Number(match[1])) <= SIGNATURE_MAX_SKEW_SECONDS)) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.`).update(body).digest();
  const actual = Buffer.from(match[2], 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
