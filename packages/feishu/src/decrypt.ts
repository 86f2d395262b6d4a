import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { MalformedPayloadError } from '@switchboard/core';

/** AES-256-CBC key of an encrypt key: SHA-256 of its UTF-8 bytes. */
function aesKey(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey, 'utf8').digest();
}

/**
 * `{ "encrypt": "<base64>" }` → the plaintext: the first 16 decoded bytes are the IV, the rest
 * AES-256-CBC with PKCS#7 padding. Throws `MalformedPayloadError` for anything that is not such a
 * ciphertext (bad base64, short input, wrong key, broken padding).
 */
export function decryptFeishuPayload(encrypted: string, encryptKey: string): string {
  const bytes = Buffer.from(encrypted, 'base64');
  if (bytes.length < 32 || (bytes.length - 16) % 16 !== 0) {
    throw new MalformedPayloadError('encrypted body is not an AES-256-CBC ciphertext');
  }
  try {
    const decipher = createDecipheriv('aes-256-cbc', aesKey(encryptKey), bytes.subarray(0, 16));
    return Buffer.concat([decipher.update(bytes.subarray(16)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new MalformedPayloadError('encrypted body could not be decrypted (wrong key or padding)', {
      cause: error,
    });
  }
}

/** The inverse, as Feishu does it; for fakes and tests. */
export function encryptFeishuPayload(plaintext: string, encryptKey: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}
