import pg from 'pg';

export interface PostgresDiagnosis {
  ok: boolean;
  /** `ok`, `missing_database`, `unreachable`, `auth_failed` or `error`. */
  problem: 'ok' | 'missing_database' | 'unreachable' | 'auth_failed' | 'error';
  detail: string;
  fix?: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

/**
 * Connects once, outside any pool, and names what is wrong: a server that does not answer and a
 * database that does not exist need different fixes.
 */
export async function diagnosePostgres(url: string): Promise<PostgresDiagnosis> {
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || '5432'}`;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true, problem: 'ok', detail: `postgres://${where}/${database}` };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = (error as Error).message;
    if (code === '3D000') {
      return {
        ok: false,
        problem: 'missing_database',
        detail: `PostgreSQL at ${where} answers, but database "${database}" does not exist`,
        fix: `create it: createdb -h ${parsed.hostname} -p ${parsed.port || '5432'} ${database}`,
      };
    }
    if (code === '28P01' || code === '28000') {
      return {
        ok: false,
        problem: 'auth_failed',
        detail: `PostgreSQL at ${where} refused the credentials (${message})`,
        fix: 'check the user and password in DATABASE_URL',
      };
    }
    if (UNREACHABLE.has(code) || /timeout/i.test(message)) {
      return {
        ok: false,
        problem: 'unreachable',
        detail: `cannot reach PostgreSQL at ${where} (${code || message})`,
        fix: 'start PostgreSQL, or fix the host and port in DATABASE_URL',
      };
    }
    return { ok: false, problem: 'error', detail: message, fix: 'check DATABASE_URL' };
  } finally {
    await client.end().catch(() => {});
  }
}
