/**
 * Thrown in place of a driver error when the database cannot be reached. The hub maps the
 * `database_unavailable` code to HTTP 503 so platforms retry instead of losing the event.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
  constructor(cause: unknown) {
    super('database unavailable', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNREACHABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'DatabaseDoesNotExist',
]);
const UNREACHABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
// PostgreSQL SQLSTATEs for a server that is shutting down or refusing connections.
const UNREACHABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
}

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof DatabaseUnavailableError) return true;
  const e = error as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (UNREACHABLE_PRISMA_CODES.has(code) || UNREACHABLE_SOCKET_CODES.has(code))) return true;
  if (code && UNREACHABLE_SQLSTATES.has(code)) return true;
  const adapterCause = e.meta?.driverAdapterError?.cause;
  if (
    adapterCause &&
    typeof adapterCause.kind === 'string' &&
    UNREACHABLE_ADAPTER_KINDS.has(adapterCause.kind)
  ) {
    return true;
  }
  const message = typeof e.message === 'string' ? e.message : '';
  if (
    /Can't reach database server|Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return true;
  }
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** Re-throws driver outages as DatabaseUnavailableError; every other error passes unchanged. */
export function translateDatabaseError(error: unknown): never {
  if (isDatabaseUnavailable(error) && !(error instanceof DatabaseUnavailableError)) {
    throw new DatabaseUnavailableError(error);
  }
  throw error;
}
