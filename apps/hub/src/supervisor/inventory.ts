import type { Db } from '@switchboard/db';

/** An active, unparked installation whose workspace and agent still exist, with the lease as the database sees it. */
export interface InventoryRow {
  id: string;
  workspaceId: string;
  channelType: string;
  leaseOwner: string | null;
  leaseGeneration: bigint;
  /** The lease has an owner and has not expired (database clock). */
  leaseLive: boolean;
  /** Changes with every write to the installation (config, secrets, status). */
  updatedAt: number;
}

interface RawRow {
  id: string;
  workspace_id: string;
  channel_type: string;
  lease_owner: string | null;
  lease_generation: bigint | number | string;
  lease_live: boolean;
  updated_at: Date;
}

/**
 * The stored non-secret configs of some installations, by id: one query, no decryption. The
 * supervisor asks them of installations it has not seen yet, to learn which hold long connections.
 */
export async function loadConfigs(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<{ id: string; config: unknown }>>`
    SELECT id::text AS id, config FROM channel_installation WHERE id = ANY(${ids as string[]}::uuid[])`;
  return new Map(
    rows.map((row) => [
      row.id,
      row.config !== null && typeof row.config === 'object' ? (row.config as Record<string, unknown>) : {},
    ]),
  );
}

/**
 * One query per scan for every installation a replica could hold. The workspace and agent are
 * checked explicitly rather than trusting the cascade, so an installation orphaned by any future
 * soft delete is never connected.
 */
export async function loadInventory(db: Db): Promise<InventoryRow[]> {
  const rows = await db.$queryRaw<RawRow[]>`
    SELECT ci.id::text AS id,
           ci.workspace_id::text AS workspace_id,
           ci.channel_type,
           ci.lease_owner,
           ci.lease_generation,
           (ci.lease_owner IS NOT NULL
              AND ci.lease_expires_at IS NOT NULL
              AND ci.lease_expires_at >= now()) AS lease_live,
           ci.updated_at
      FROM channel_installation ci
     WHERE ci.status = 'active'
       AND ci.parked_at IS NULL
       AND EXISTS (SELECT 1 FROM workspace w WHERE w.id = ci.workspace_id)
       AND EXISTS (SELECT 1 FROM agent a WHERE a.id = ci.agent_id)
     ORDER BY ci.created_at`;
  return rows.map((row) => ({
    id: row.id,
    workspaceId: row.workspace_id,
    channelType: row.channel_type,
    leaseOwner: row.lease_owner,
    leaseGeneration:
      typeof row.lease_generation === 'bigint' ? row.lease_generation : BigInt(row.lease_generation),
    leaseLive: row.lease_live,
    updatedAt: new Date(row.updated_at).getTime(),
  }));
}
