import { digestMatchesHex, hmacSha256, type SignedPart } from './hmac.js';
import { refuse, type SignatureCheck } from './result.js';

/** The replay window Slack documents and the hub uses: five minutes either way. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * How a platform builds the signed string and the signature value from a timestamp:
 * Slack signs `v0:<ts>:<body>` and sends `v0=<hex>`; the hub and echo sign `<ts>.<body>`, `v1=<hex>`.
 */
export interface TimestampedScheme {
  /** What comes before the body in the signed string, e.g. `(ts) => \`v0:${ts}:\``. */
  prefix(timestamp: string): string;
  /** The signature value's prefix before the hex digest, e.g. `v0=`. */
  version: string;
}

export const slackScheme: TimestampedScheme = { prefix: (ts) => `v0:${ts}:`, version: 'v0=' };
export const dotScheme: TimestampedScheme = { prefix: (ts) => `${ts}.`, version: 'v1=' };

export interface TimestampedSignature {
  secret: string;
  scheme: TimestampedScheme;
  /** Unix seconds as sent by the platform. */
  timestamp: string | undefined;
  /** The signature value as sent, e.g. `v0=ab12…`. */
  signature: string | undefined;
  body: SignedPart;
  /** When the request was received; freshness is measured against it, in both directions. */
  receivedAt: Date;
  maxSkewSeconds?: number;
  /** Names used in refusal messages (the platform's header names). */
  names?: { timestamp?: string; signature?: string };
}

/** The hex digest a timestamped scheme expects for `body` at `timestamp`. */
export function timestampedDigest(
  secret: string,
  scheme: TimestampedScheme,
  timestamp: string,
  body: SignedPart,
): Buffer {
  return hmacSha256(secret, scheme.prefix(timestamp), body);
}

/** The signature value (`v0=<hex>`) a sender puts in its header. */
export function signTimestamped(
  secret: string,
  scheme: TimestampedScheme,
  timestampSeconds: number,
  body: SignedPart,
): { timestamp: string; signature: string } {
  const timestamp = String(Math.floor(timestampSeconds));
  const digest = timestampedDigest(secret, scheme, timestamp, body).toString('hex');
  return { timestamp, signature: `${scheme.version}${digest}` };
}

/** Checks a timestamped HMAC over the exact bytes, in constant time. Never throws. */
export function verifyTimestamped(input: TimestampedSignature): SignatureCheck {
  const timestampName = input.names?.timestamp ?? 'timestamp';
  const signatureName = input.names?.signature ?? 'signature';
  const maxSkew = input.maxSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS;
  try {
    const { timestamp, signature } = input;
    if (!timestamp || !signature) {
      return refuse(
        'missing_signature',
        `exactly one ${timestampName} and one ${signatureName} are required`,
      );
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
      return refuse('stale_timestamp', `${timestampName} is not a unix time in seconds`);
    }
    const skew = Math.abs(Math.floor(input.receivedAt.getTime() / 1000) - Number(timestamp));
    // Written as "not within" so an invalid receivedAt (NaN) is refused too.
    if (!(skew <= maxSkew)) {
      return refuse('stale_timestamp', `${timestampName} is more than ${maxSkew} s from the receive time`);
    }
    if (!signature.startsWith(input.scheme.version)) {
      return refuse(
        'bad_signature',
        `${signatureName} is not of the form ${input.scheme.version}<hex sha256>`,
      );
    }
    const hex = signature.slice(input.scheme.version.length);
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      return refuse(
        'bad_signature',
        `${signatureName} is not of the form ${input.scheme.version}<hex sha256>`,
      );
    }
    const expected = timestampedDigest(input.secret, input.scheme, timestamp, input.body);
    if (!digestMatchesHex(expected, hex)) {
      return refuse('bad_signature', 'signature does not match the request body');
    }
    return { ok: true };
  } catch {
    // Verification answers, never throws: anything unexpected in the request is a refusal.
    return refuse('bad_signature', 'request could not be verified');
  }
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: one header carrying both parts. */
export function signCombined(secret: string, body: SignedPart, nowMs: number = Date.now()): string {
  const { timestamp, signature } = signTimestamped(secret, dotScheme, nowMs / 1000, body);
  return `t=${timestamp},${signature}`;
}

/** Checks a `t=..,v1=..` header (see `signCombined`). Never throws. */
export function verifyCombined(
  secret: string,
  header: string | undefined,
  body: SignedPart,
  receivedAt: Date,
  maxSkewSeconds: number = DEFAULT_MAX_CLOCK_SKEW_SECONDS,
): SignatureCheck {
  if (!header) return refuse('missing_signature', 'the signature header is required');
  const match = /^t=([^,]*),(v1=.*)$/.exec(header);
  if (!match)
    return refuse('bad_signature', 'the signature header is not of the form t=<unix>,v1=<hex sha256>');
  return verifyTimestamped({
    secret,
    scheme: dotScheme,
    timestamp: match[1],
    signature: match[2],
    body,
    receivedAt,
    maxSkewSeconds,
  });
}
