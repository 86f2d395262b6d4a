import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Database } from '@switchboard/db';

// One-time codes proving a member owns an identity (a phone). Invariants:
// - only a salted SHA-256 of the code is stored (salted with the row id, so equal codes differ);
// - single use: a code is consumed in the statement that checks it, so two confirmations race safely;
// - a few wrong guesses burn the code (a 6-digit code must not be brute-forced);
// - at most one code per identity and member per minute (no message spam to a stranger's phone).

export const VERIFICATION_CODE_TTL_MS = 10 * 60 * 1000;
export const VERIFICATION_MIN_INTERVAL_MS = 60 * 1000;
export const VERIFICATION_MAX_ATTEMPTS = 5;

export interface VerificationTarget {
  userId: string;
  workspaceId: string;
  installationId: string;
  namespace: string;
  identifier: string;
}

export type IssuedCode =
  | { status: 'issued'; id: string; code: string; expiresAt: Date }
  | { status: 'throttled' };
export type CheckedCode =
  | { status: 'verified'; installationId: string }
  | { status: 'wrong_code' | 'no_code' };

const hashOf = (id: string, code: string) => createHash('sha256').update(`${id}:${code}`).digest('hex');

export async function issueVerificationCode(
  database: Pick<Database, 'prisma'>,
  target: VerificationTarget,
  now = new Date(),
): Promise<IssuedCode> {
  return database.prisma.$transaction(async (tx) => {
    // Serializes issuers for one identity of one member, so two requests cannot both pass the
    // "none in the last minute" check.
    const lockKey = `identity-verification:${target.userId}:${target.namespace}:${target.identifier}`;
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${lockKey}))`;
    const recent = await tx.identityVerification.count({
      where: {
        userId: target.userId,
        namespace: target.namespace,
        identifier: target.identifier,
        createdAt: { gt: new Date(now.getTime() - VERIFICATION_MIN_INTERVAL_MS) },
      },
    });
    if (recent > 0) return { status: 'throttled' } as const;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const id = crypto.randomUUID();
    const expiresAt = new Date(now.getTime() + VERIFICATION_CODE_TTL_MS);
    await tx.identityVerification.create({
      data: { id, ...target, codeHash: hashOf(id, code), expiresAt, createdAt: now },
    });
    return { status: 'issued', id, code, expiresAt } as const;
  });
}

/** Checks a code against the member's newest live code for the identity, and consumes it. */
export async function checkVerificationCode(
  database: Pick<Database, 'prisma'>,
  target: Omit<VerificationTarget, 'installationId'>,
  code: string,
  now = new Date(),
): Promise<CheckedCode> {
  const { prisma } = database;
  const row = await prisma.identityVerification.findFirst({
    where: {
      userId: target.userId,
      workspaceId: target.workspaceId,
      namespace: target.namespace,
      identifier: target.identifier,
      consumedAt: null,
      expiresAt: { gt: now },
      attempts: { lt: VERIFICATION_MAX_ATTEMPTS },
    },
    orderBy: { createdAt: 'desc' },
  });
  if (!row) return { status: 'no_code' };
  const expected = Buffer.from(row.codeHash, 'hex');
  const given = Buffer.from(hashOf(row.id, code.trim()), 'hex');
  if (!timingSafeEqual(expected, given)) {
    await prisma.identityVerification.update({ where: { id: row.id }, data: { attempts: { increment: 1 } } });
    return { status: 'wrong_code' };
  }
  const consumed = await prisma.identityVerification.updateMany({
    where: { id: row.id, consumedAt: null },
    data: { consumedAt: now },
  });
  return consumed.count === 1
    ? { status: 'verified', installationId: row.installationId }
    : { status: 'no_code' };
}
