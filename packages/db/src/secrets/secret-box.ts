import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Sealed format: sb1.<key id>.<iv>.<ciphertext>.<tag> (base64url parts). AES-256-GCM authenticates
// the ciphertext and the purpose label (as additional data), so a blob copied into a column of
// another purpose, tampered with, or opened with the wrong key fails loudly instead of yielding
// garbage.
const FORMAT = 'sb1';
const IV_BYTES = 12;

export class SecretKeyError extends Error {
  readonly code = 'secret_key_error';
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export interface SecretKey {
  id: string;
  key: Buffer;
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function decodeKeyMaterial(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new SecretKeyError('a secret key must be 32 bytes, given as 64 hex digits or base64');
  }
  return key;
}

/**
 * Parses `SWITCHBOARD_SECRET_KEY`: one or more comma-separated keys, each `material` or
 * `id:material`. The first key seals; all of them open, so keys can be rotated by prepending a
 * new one and re-sealing at leisure.
 */
export function parseSecretKeys(spec: string): SecretKey[] {
  const parts = spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) throw new SecretKeyError('no secret key given');
  return parts.map((part) => {
    const colon = part.indexOf(':');
    const hasId = colon > 0 && /^[A-Za-z0-9_-]{1,32}$/.test(part.slice(0, colon));
    const key = decodeKeyMaterial(hasId ? part.slice(colon + 1) : part);
    return { id: hasId ? part.slice(0, colon) : keyIdOf(key), key };
  });
}

export function generateSecretKey(): string {
  return randomBytes(32).toString('base64');
}

export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly current: SecretKey;

  constructor(keys: SecretKey[]) {
    const [first] = keys;
    if (!first) throw new SecretKeyError('no secret key given');
    this.current = first;
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  static fromSpec(spec: string): SecretBox {
    return new SecretBox(parseSecretKeys(spec));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, this.current.id, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, purpose: string): string {
    const [format, keyId, iv, ciphertext, tag, ...rest] = sealed.split('.');
    if (
      format !== FORMAT ||
      !keyId ||
      iv === undefined ||
      ciphertext === undefined ||
      !tag ||
      rest.length > 0
    ) {
      throw new SecretKeyError('sealed secret is malformed');
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretKeyError(
        `secret was sealed with key "${keyId}", which SWITCHBOARD_SECRET_KEY does not contain`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretKeyError(
        `secret sealed with key "${keyId}" failed authentication (wrong key or tampered)`,
      );
    }
  }

  sealJson(value: unknown, purpose: string): string {
    return this.seal(JSON.stringify(value), purpose);
  }

  openJson<T = unknown>(sealed: string, purpose: string): T {
    return JSON.parse(this.open(sealed, purpose)) as T;
  }
}
