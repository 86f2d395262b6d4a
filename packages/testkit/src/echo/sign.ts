import { dotScheme, signTimestamped, timestampedDigest } from '@switchboard/signing';

export const ECHO_TIMESTAMP_HEADER = 'x-echo-timestamp';
export const ECHO_SIGNATURE_HEADER = 'x-echo-signature';

export interface EchoSignatureHeaders {
  'x-echo-timestamp': string;
  'x-echo-signature': string;
}

/** HMAC-SHA256 over `${timestamp}.${rawBody}`, computed on bytes so no re-encoding can change it. */
export function echoSignatureDigest(secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return timestampedDigest(secret, dotScheme, timestamp, rawBody);
}

/** Headers that make `rawBody` pass the echo channel's webhook verification. */
export function signEchoRequest(
  secret: string,
  rawBody: string | Uint8Array,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): EchoSignatureHeaders {
  const { timestamp, signature } = signTimestamped(secret, dotScheme, timestampSeconds, rawBody);
  return { [ECHO_TIMESTAMP_HEADER]: timestamp, [ECHO_SIGNATURE_HEADER]: signature };
}
