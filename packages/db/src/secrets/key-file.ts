import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSecretKey, SecretBox } from './secret-box.js';

export const SECRET_KEY_FILE = 'secret.key';

export interface ResolvedSecretKey {
  box: SecretBox;
  source: 'env' | 'data-dir' | 'generated';
  path?: string;
}

/**
 * The secret key comes from SWITCHBOARD_SECRET_KEY. On the embedded default only, a key is kept in
 * the data dir (mode 0600) so a first run needs no setup; the caller warns, because anyone who can
 * read the data dir can then read the secrets.
 */
export async function resolveSecretKey(options: {
  envValue?: string;
  dataDir?: string;
  /** False for read-only callers (doctor): a missing key is reported, not generated. */
  create?: boolean;
}): Promise<ResolvedSecretKey> {
  if (options.envValue && options.envValue.trim() !== '') {
    return { box: SecretBox.fromSpec(options.envValue), source: 'env' };
  }
  if (!options.dataDir) {
    throw new Error('SWITCHBOARD_SECRET_KEY is required when DATABASE_URL points at PostgreSQL');
  }
  const path = join(options.dataDir, SECRET_KEY_FILE);
  try {
    const text = await readFile(path, 'utf8');
    return { box: SecretBox.fromSpec(text), source: 'data-dir', path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (options.create === false) {
    throw new Error(`no SWITCHBOARD_SECRET_KEY and no key file at ${path}`);
  }
  await mkdir(options.dataDir, { recursive: true });
  const key = generateSecretKey();
  // `wx` refuses to overwrite a key another process wrote in the meantime.
  await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return { box: SecretBox.fromSpec(key), source: 'generated', path };
}

export async function secretKeyFileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}
