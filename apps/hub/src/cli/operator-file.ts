import { chmod, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where `switchboard start` leaves the address and operator token of the running hub. */
export const OPERATOR_FILE = 'operator.json';

export interface OperatorFile {
  url: string;
  token: string;
}

export function operatorFilePath(dataDir: string): string {
  return join(dataDir, OPERATOR_FILE);
}

/** Written mode 0600: whoever can read it can act as the hub operator. */
export async function writeOperatorFile(dataDir: string, content: OperatorFile): Promise<void> {
  const path = operatorFilePath(dataDir);
  // With an external database nothing else creates the data directory.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an older file keeps its mode otherwise.
  await chmod(path, 0o600);
}

export async function readOperatorFile(dataDir: string): Promise<OperatorFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(operatorFilePath(dataDir), 'utf8')) as Partial<OperatorFile>;
    return typeof parsed.url === 'string' && typeof parsed.token === 'string'
      ? { url: parsed.url, token: parsed.token }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file if it still carries this token (a newer hub's file is left alone). */
export async function removeOperatorFile(dataDir: string, token: string): Promise<void> {
  if ((await readOperatorFile(dataDir))?.token === token) {
    await unlink(operatorFilePath(dataDir)).catch(() => {});
  }
}
