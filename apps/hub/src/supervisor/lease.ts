// The lease row of a long-connection installation (channel_installation.lease_*). Every statement
// is a single compare-and-set UPDATE evaluated on the database clock, so replicas with skewed
// clocks still agree on who holds an installation and when a lease has expired.
import type { Db } from '@switchboard/db';

/** A lease this replica holds: the fencing pair every renew and release must match. */
export interface HeldLease {
  installationId: string;
  owner: string;
  generation: bigint;
}

function toBigInt(value: bigint | number | string): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

/**
 * Claims the lease when it is free, expired, or already ours, and bumps the generation: every
 * claim starts a new holding, so a renew or release left over from an earlier one (even by the
 * same owner) can no longer match. Returns the new generation, or null when someone else holds it
 * or the installation is not active.
 */
export async function claimLease(
  db: Db,
  installationId: string,
  owner: string,
  ttlMs: number,
): Promise<bigint | null> {
  const rows = await db.$queryRaw<Array<{ lease_generation: bigint | number | string }>>`
    UPDATE channel_installation
       SET lease_owner = ${owner},
           lease_expires_at = now() + ${ttlMs}::integer * interval '1 millisecond',
           lease_generation = lease_generation + 1
     WHERE id = ${installationId}::uuid
       AND status = 'active'
       AND (lease_owner IS NULL
            OR lease_expires_at IS NULL
            OR lease_expires_at < now()
            OR lease_owner = ${owner})
     RETURNING lease_generation`;
  const row = rows[0];
  return row === undefined ? null : toBigInt(row.lease_generation);
}

/**
 * Extends a lease we hold. False means the lease is no longer ours (taken over after expiry,
 * revoked, or the row deleted): the caller must disconnect at once.
 */
export async function renewLease(db: Db, lease: HeldLease, ttlMs: number): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE channel_installation
       SET lease_expires_at = now() + ${ttlMs}::integer * interval '1 millisecond'
     WHERE id = ${lease.installationId}::uuid
       AND status = 'active'
       AND lease_owner = ${lease.owner}
       AND lease_generation = ${lease.generation}::bigint`;
  return count > 0;
}

/** Frees a lease we hold so another replica can claim it without waiting for expiry. */
export async function releaseLease(db: Db, lease: HeldLease): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE channel_installation
       SET lease_owner = NULL, lease_expires_at = NULL
     WHERE id = ${lease.installationId}::uuid
       AND lease_owner = ${lease.owner}
       AND lease_generation = ${lease.generation}::bigint`;
  return count > 0;
}
