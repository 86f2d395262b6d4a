import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedPart = string | Uint8Array;

/** HMAC-SHA256 over the parts in order, strings as UTF-8; bytes are hashed as received. */
export function hmacSha256(secret: string | Uint8Array, ...parts: SignedPart[]): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Compares two byte strings in constant time for equal lengths; different lengths are unequal. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** True when `hex` (64 hex digits) is the digest `expected`; false for anything malformed. */
export function digestMatchesHex(expected: Uint8Array, hex: string | undefined): boolean {
  if (!hex || !HEX_SHA256.test(hex)) return false;
  return constantTimeEqual(Buffer.from(hex, 'hex'), expected);
}
