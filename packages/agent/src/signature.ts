import { createHmac, timingSafeEqual } from 'node:crypto';

/** The hub signs every delivery with this header; agents sign their calls to the hub the same way. */
export const SIGNATURE_HEADER = 'x-switchboard-signature';
/** The delivery id, stable across the hub's retries of one delivery (also in the signed body). */
export const DELIVERY_HEADER = 'x-switchboard-delivery';
/** The hub refuses requests signed further from its clock than this; so does the SDK by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailure =
  | 'missing_signature'
  | 'malformed_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_signature';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

export interface VerifyOptions {
  /** One secret, or several while a secret is being rotated (any of them may match). */
  secret: string | readonly string[];
  /** The `X-Switchboard-Signature` header as received (a repeated header is refused). */
  header: string | readonly string[] | undefined;
  /** The exact bytes received; a re-serialized body would not match. */
  body: string | Uint8Array;
  /** Milliseconds since the epoch; defaults to `Date.now()`. */
  nowMs?: number;
  toleranceSeconds?: number;
}

const HEADER_FORMAT = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/;

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the same format the hub
 * sends and accepts.
 */
export function sign(secret: string, body: string | Uint8Array, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${mac(secret, t, body).toString('hex')}`;
}

/** Checks a signature against the raw body in constant time. Never throws; says why it failed. */
export function verifySignature(options: VerifyOptions): SignatureCheck {
  const header = singleValue(options.header);
  if (header === undefined || header === '') return { ok: false, reason: 'missing_signature' };
  const match = HEADER_FORMAT.exec(header);
  if (!match?.[1] || !match[2]) return { ok: false, reason: 'malformed_signature' };
  const timestamp = Number(match[1]);
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance) return { ok: false, reason: 'stale_timestamp' };
  if (timestamp > now + tolerance) return { ok: false, reason: 'future_timestamp' };
  const actual = Buffer.from(match[2], 'hex');
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  // Every secret is compared (no early exit), so timing does not tell which one matched.
  let matched = false;
  for (const secret of secrets) {
    if (secret === '') continue;
    const expected = mac(secret, timestamp, options.body);
    if (timingSafeEqual(actual, expected)) matched = true;
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'bad_signature' };
}

function mac(secret: string, t: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest();
}

// A header sent twice is ambiguous (which copy was signed?), so it counts as missing.
function singleValue(header: string | readonly string[] | undefined): string | undefined {
  if (header === undefined || typeof header === 'string') return header;
  return header.length === 1 ? header[0] : undefined;
}
