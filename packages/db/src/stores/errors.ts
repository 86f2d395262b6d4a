/** A write that would break a unique constraint (a duplicate slug, username, installation, ...). */
export class ConflictError extends Error {
  readonly code = 'conflict';
  constructor(
    readonly entity: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

interface PrismaLikeError {
  code?: unknown;
  meta?: {
    target?: unknown;
    driverAdapterError?: { cause?: { kind?: unknown; constraint?: { fields?: unknown; index?: unknown } } };
  };
}

/** True for a unique-constraint violation (Prisma P2002 or SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as PrismaLikeError;
  return (
    e.code === 'P2002' ||
    e.code === '23505' ||
    e.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation'
  );
}

/** Names the columns or index behind a unique violation, as far as the driver reports them. */
export function uniqueViolationTarget(error: unknown): string {
  const e = error as PrismaLikeError;
  const constraint = e.meta?.driverAdapterError?.cause?.constraint;
  const target = e.meta?.target ?? constraint?.fields ?? constraint?.index;
  if (Array.isArray(target)) return target.join(',');
  return typeof target === 'string' ? target : '';
}
