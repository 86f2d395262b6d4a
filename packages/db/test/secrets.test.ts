import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSecretKey, secretKeyFileMode } from '../src/secrets/key-file.js';
import { generateSecretKey, parseSecretKeys, SecretBox, SecretKeyError } from '../src/secrets/secret-box.js';

describe('SecretBox', () => {
  const key = generateSecretKey();

  it('round-trips a secret under the purpose it was sealed for', () => {
    const box = SecretBox.fromSpec(key);
    const sealed = box.seal('xoxb-very-secret', 'test');
    expect(sealed).not.toContain('xoxb');
    expect(sealed.startsWith(`sb1.${box.currentKeyId}.`)).toBe(true);
    expect(box.open(sealed, 'test')).toBe('xoxb-very-secret');
  });

  it('seals the same plaintext differently every time', () => {
    const box = SecretBox.fromSpec(key);
    expect(box.seal('a', 'p')).not.toBe(box.seal('a', 'p'));
  });

  it('fails loudly when opened with a different key under the same id', () => {
    const sealed = SecretBox.fromSpec(`k1:${key}`).seal('secret', 'p');
    const other = SecretBox.fromSpec(`k1:${generateSecretKey()}`);
    expect(() => other.open(sealed, 'p')).toThrow(/failed authentication/);
  });

  it('fails loudly when the sealing key is missing from the configured keys', () => {
    const sealed = SecretBox.fromSpec(`old:${key}`).seal('secret', 'p');
    const other = SecretBox.fromSpec(`new:${generateSecretKey()}`);
    expect(() => other.open(sealed, 'p')).toThrow(SecretKeyError);
    expect(() => other.open(sealed, 'p')).toThrow(/key "old"/);
  });

  it('refuses a blob moved to a column of another purpose', () => {
    const box = SecretBox.fromSpec(key);
    expect(() => box.open(box.seal('secret', 'agent'), 'installation')).toThrow(SecretKeyError);
  });

  it('detects a tampered ciphertext', () => {
    const box = SecretBox.fromSpec(key);
    const parts = box.seal('secret value', 'p').split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
    parts[3] = ciphertext.toString('base64url');
    expect(() => box.open(parts.join('.'), 'p')).toThrow(SecretKeyError);
  });

  it('rotates: the first key seals, older keys still open', () => {
    const oldKey = generateSecretKey();
    const sealedWithOld = SecretBox.fromSpec(`old:${oldKey}`).seal('legacy', 'p');
    const rotated = SecretBox.fromSpec(`new:${generateSecretKey()},old:${oldKey}`);
    expect(rotated.open(sealedWithOld, 'p')).toBe('legacy');
    expect(rotated.seal('fresh', 'p').startsWith('sb1.new.')).toBe(true);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => parseSecretKeys('c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseSecretKeys('')).toThrow(SecretKeyError);
  });

  it('accepts hex key material', () => {
    const [parsed] = parseSecretKeys('ab'.repeat(32));
    expect(parsed?.key.length).toBe(32);
  });
});

describe('resolveSecretKey', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('generates a key into the data dir with mode 0600 and reuses it on the next start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-key-'));
    const first = await resolveSecretKey({ dataDir: dir });
    expect(first.source).toBe('generated');
    expect(await secretKeyFileMode(first.path!)).toBe(0o600);
    const second = await resolveSecretKey({ dataDir: dir });
    expect(second.source).toBe('data-dir');
    expect(second.box.open(first.box.seal('x', 'p'), 'p')).toBe('x');
    expect((await readFile(first.path!, 'utf8')).trim().length).toBeGreaterThan(40);
  });

  it('prefers SWITCHBOARD_SECRET_KEY over the data dir', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-key-'));
    const resolved = await resolveSecretKey({ envValue: generateSecretKey(), dataDir: dir });
    expect(resolved.source).toBe('env');
  });

  it('requires a key when there is no data dir (PostgreSQL)', async () => {
    await expect(resolveSecretKey({})).rejects.toThrow(/SWITCHBOARD_SECRET_KEY is required/);
  });
});
