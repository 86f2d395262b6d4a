import { createHmac } from 'node:crypto';

export const ECHO_TIMESTAMP_HEADER = 'x-echo-timestamp';
export const ECHO_SIGNATURE_HEADER = 'x-echo-signature';

export interface EchoSignatureHeaders {
  'x-echo-timestamp': string;
  'x-echo-signature': string;
}

function toBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** HMAC-SHA256 over `${timestamp}.${rawBody}`, computed on bytes so no re-encoding can change it. */
export function echoSignatureDigest(secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(toBytes(rawBody)).digest();
}

/** Headers that make `rawBody` pass the echo channel's webhook verification. */
export function signEchoRequest(
  secret: string,
  rawBody: string | Uint8Array,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): EchoSignatureHeaders {
  const timestamp = String(Math.floor(timestampSeconds));
  return {
    [ECHO_TIMESTAMP_HEADER]: timestamp,
    [ECHO_SIGNATURE_HEADER]: `v1=${echoSignatureDigest(secret, timestamp, rawBody).toString('hex')}`,
  };
}
