import type { Db } from '../database/open.js';

/** An installation's runtime status as the replica running it last reported it. */
export interface InstallationStatusRecord {
  installationId: string;
  state: string;
  leaseHolder: string | null;
  reportedBy: string;
  lastInboundAt: Date | null;
  lastOutboundAt: Date | null;
  lastError: string | null;
  lastErrorHint: string | null;
  lastErrorAt: Date | null;
  reconnectCount: number;
  credentialsRefusedAt: Date | null;
  credentialsRefusedError: string | null;
  staleSince: Date | null;
  signatureFailures: number;
  signatureWindowStartedAt: Date | null;
  lastSignatureFailureAt: Date | null;
  /** What the health monitor found on its last pass. */
  problems: StoredProblem[];
  updatedAt: Date;
}

/** One problem the health monitor recorded; `code` is stable, the rest is for people. */
export interface StoredProblem {
  code: string;
  message: string;
  hint: string;
  /** ISO time the problem was first seen (kept across passes while it lasts). */
  since: string;
}

/** Everything the health monitor judges one installation by, read in one query for all of them. */
export interface HealthRow {
  installationId: string;
  workspaceId: string;
  channelType: string;
  /** The installation's `status` (active | revoked). */
  status: string;
  parked: boolean;
  configUpdatedAt: Date;
  state: string;
  /** When the status row was last written. */
  reportedAt: Date;
  leaseHolder: string | null;
  /** The lease's expiry, as the database sees it; null when nobody holds it. */
  leaseExpiresAt: Date | null;
  lastInboundAt: Date | null;
  lastError: string | null;
  credentialsRefusedAt: Date | null;
  credentialsRefusedError: string | null;
  staleSince: Date | null;
  signatureFailures: number;
  signatureWindowStartedAt: Date | null;
  lastSignatureFailureAt: Date | null;
  problems: StoredProblem[];
}

/** What one report changes; absent fields keep their stored value. */
export interface InstallationStatusPatch {
  state?: string;
  leaseHolder?: string | null;
  lastInboundAt?: Date;
  lastOutboundAt?: Date;
  lastError?: { message: string; hint: string | null; at: Date } | null;
  /** Reconnects since the previous report (added to the stored count). */
  reconnects?: number;
  /** The platform refused the credentials (set), or accepted them since (null: clears it). */
  credentialsRefused?: { message: string; at: Date } | null;
  /** Since when the connection is silent past its heartbeat; null: it is alive. */
  staleSince?: Date | null;
}

/** Prisma P2003 or SQLSTATE 23503: the installation row is gone. */
function isForeignKeyViolation(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  return (
    e.code === 'P2003' ||
    e.code === '23503' ||
    e.meta?.driverAdapterError?.cause?.kind === 'ForeignKeyConstraintViolation'
  );
}

/** State of a row first written by activity alone (an installation that receives webhooks). */
const DEFAULT_STATE = 'webhook';

export class InstallationStatusStore {
  constructor(private readonly db: Db) {}

  /**
   * Applies one report. Timestamps only move forward, so two replicas reporting traffic in either
   * order keep the latest. Returns false when the installation is gone (nothing to report on).
   */
  async write(installationId: string, reportedBy: string, patch: InstallationStatusPatch): Promise<boolean> {
    const error =
      patch.lastError === undefined
        ? {}
        : {
            lastError: patch.lastError?.message ?? null,
            lastErrorHint: patch.lastError?.hint ?? null,
            lastErrorAt: patch.lastError?.at ?? null,
          };
    const credentials =
      patch.credentialsRefused === undefined
        ? {}
        : {
            credentialsRefusedAt: patch.credentialsRefused?.at ?? null,
            credentialsRefusedError: patch.credentialsRefused?.message ?? null,
          };
    const common = {
      reportedBy,
      ...credentials,
      ...(patch.staleSince !== undefined ? { staleSince: patch.staleSince } : {}),
      updatedAt: new Date(),
      ...(patch.state !== undefined ? { state: patch.state } : {}),
      ...(patch.leaseHolder !== undefined ? { leaseHolder: patch.leaseHolder } : {}),
      ...error,
    };
    try {
      await this.db.$transaction(async (tx) => {
        await tx.channelInstallationStatus.upsert({
          where: { installationId },
          create: {
            installationId,
            state: DEFAULT_STATE,
            ...common,
            lastInboundAt: patch.lastInboundAt ?? null,
            lastOutboundAt: patch.lastOutboundAt ?? null,
            reconnectCount: patch.reconnects ?? 0,
          },
          update: {
            ...common,
            ...(patch.reconnects ? { reconnectCount: { increment: patch.reconnects } } : {}),
          },
        });
        for (const field of ['lastInboundAt', 'lastOutboundAt'] as const) {
          const at = patch[field];
          if (!at) continue;
          await tx.channelInstallationStatus.updateMany({
            where: { installationId, OR: [{ [field]: null }, { [field]: { lt: at } }] },
            data: { [field]: at },
          });
        }
      });
      return true;
    } catch (cause) {
      if (isForeignKeyViolation(cause)) return false;
      throw cause;
    }
  }

  /**
   * Applies one report per installation (each as `write` would) in one statement: a replica
   * reporting traffic on thousands of installations writes once per interval, not one interactive
   * transaction per installation (which held a pool connection per installation and took the
   * database from ingress). Rows that one statement cannot settle (the batch failed, or another
   * replica created the row concurrently) are written one by one. Returns the installations that
   * are gone and those whose write failed.
   */
  async writeMany(
    reportedBy: string,
    patches: ReadonlyMap<string, InstallationStatusPatch>,
  ): Promise<{ gone: string[]; failed: Array<{ installationId: string; error: Error }> }> {
    const result = { gone: [] as string[], failed: [] as Array<{ installationId: string; error: Error }> };
    if (patches.size === 0) return result;
    let unsettled: string[];
    try {
      const rows = await this.#writeBatch(reportedBy, patches);
      unsettled = [];
      for (const row of rows) {
        if (row.written) continue;
        if (row.present) unsettled.push(row.id);
        else result.gone.push(row.id);
      }
    } catch {
      unsettled = [...patches.keys()];
    }
    for (const installationId of unsettled) {
      try {
        if (!(await this.write(installationId, reportedBy, patches.get(installationId) ?? {})))
          result.gone.push(installationId);
      } catch (error) {
        result.failed.push({ installationId, error: error as Error });
      }
    }
    return result;
  }

  async #writeBatch(
    reportedBy: string,
    patches: ReadonlyMap<string, InstallationStatusPatch>,
  ): Promise<Array<{ id: string; written: boolean; present: boolean }>> {
    // Presence flags keep `write`'s rule: a field absent from the patch keeps its stored value.
    const payload = JSON.stringify(
      [...patches].map(([installationId, patch]) => ({
        installation_id: installationId,
        has_state: patch.state !== undefined,
        state: patch.state ?? null,
        has_lease_holder: patch.leaseHolder !== undefined,
        lease_holder: patch.leaseHolder ?? null,
        last_inbound_at: patch.lastInboundAt?.toISOString() ?? null,
        last_outbound_at: patch.lastOutboundAt?.toISOString() ?? null,
        has_error: patch.lastError !== undefined,
        last_error: patch.lastError?.message ?? null,
        last_error_hint: patch.lastError?.hint ?? null,
        last_error_at: patch.lastError?.at.toISOString() ?? null,
        reconnects: patch.reconnects ?? 0,
        has_credentials: patch.credentialsRefused !== undefined,
        credentials_refused_at: patch.credentialsRefused?.at.toISOString() ?? null,
        credentials_refused_error: patch.credentialsRefused?.message ?? null,
        has_stale: patch.staleSince !== undefined,
        stale_since: patch.staleSince?.toISOString() ?? null,
      })),
    );
    const now = new Date().toISOString();
    // One snapshot: the UPDATE sees only rows that existed before the statement, so a row the
    // INSERT creates is not updated (its reconnects are not added twice). A row another replica
    // created meanwhile is neither inserted nor updated: `written` is false and the caller
    // writes it alone.
    return this.db.$queryRaw<Array<{ id: string; written: boolean; present: boolean }>>`
      WITH p AS (
        SELECT * FROM jsonb_to_recordset(${payload}::jsonb) AS p(
          installation_id uuid, has_state boolean, state text, has_lease_holder boolean, lease_holder text,
          last_inbound_at timestamptz, last_outbound_at timestamptz, has_error boolean, last_error text,
          last_error_hint text, last_error_at timestamptz, reconnects integer, has_credentials boolean,
          credentials_refused_at timestamptz, credentials_refused_error text, has_stale boolean,
          stale_since timestamptz)
      ),
      inserted AS (
        INSERT INTO channel_installation_status
               (installation_id, state, lease_holder, reported_by, last_inbound_at, last_outbound_at,
                last_error, last_error_hint, last_error_at, reconnect_count, credentials_refused_at,
                credentials_refused_error, stale_since, updated_at)
        SELECT p.installation_id, CASE WHEN p.has_state THEN p.state ELSE ${DEFAULT_STATE} END,
               p.lease_holder, ${reportedBy}, p.last_inbound_at, p.last_outbound_at, p.last_error,
               p.last_error_hint, p.last_error_at, p.reconnects, p.credentials_refused_at,
               p.credentials_refused_error, p.stale_since, ${now}::timestamptz
          FROM p JOIN channel_installation ci ON ci.id = p.installation_id
        ON CONFLICT (installation_id) DO NOTHING
        RETURNING installation_id
      ),
      updated AS (
        UPDATE channel_installation_status AS s SET
               reported_by = ${reportedBy},
               updated_at = ${now}::timestamptz,
               state = CASE WHEN p.has_state THEN p.state ELSE s.state END,
               lease_holder = CASE WHEN p.has_lease_holder THEN p.lease_holder ELSE s.lease_holder END,
               last_error = CASE WHEN p.has_error THEN p.last_error ELSE s.last_error END,
               last_error_hint = CASE WHEN p.has_error THEN p.last_error_hint ELSE s.last_error_hint END,
               last_error_at = CASE WHEN p.has_error THEN p.last_error_at ELSE s.last_error_at END,
               credentials_refused_at = CASE WHEN p.has_credentials THEN p.credentials_refused_at
                                             ELSE s.credentials_refused_at END,
               credentials_refused_error = CASE WHEN p.has_credentials THEN p.credentials_refused_error
                                                ELSE s.credentials_refused_error END,
               stale_since = CASE WHEN p.has_stale THEN p.stale_since ELSE s.stale_since END,
               reconnect_count = s.reconnect_count + p.reconnects,
               -- Only forward: GREATEST ignores NULL, so an absent time keeps the stored one.
               last_inbound_at = GREATEST(s.last_inbound_at, p.last_inbound_at),
               last_outbound_at = GREATEST(s.last_outbound_at, p.last_outbound_at)
          FROM p
         WHERE s.installation_id = p.installation_id
        RETURNING s.installation_id
      )
      SELECT p.installation_id::text AS id,
             (EXISTS (SELECT 1 FROM inserted i WHERE i.installation_id = p.installation_id)
              OR EXISTS (SELECT 1 FROM updated u WHERE u.installation_id = p.installation_id)) AS written,
             EXISTS (SELECT 1 FROM channel_installation ci WHERE ci.id = p.installation_id) AS present
        FROM p`;
  }

  async get(installationId: string): Promise<InstallationStatusRecord | null> {
    const row = await this.db.channelInstallationStatus.findUnique({ where: { installationId } });
    return row ? { ...row, problems: asProblems(row.problems) } : null;
  }

  /** The status rows of some installations (one query), keyed by installation id. */
  async getMany(installationIds: readonly string[]): Promise<Map<string, InstallationStatusRecord>> {
    if (installationIds.length === 0) return new Map();
    const rows = await this.db.channelInstallationStatus.findMany({
      where: { installationId: { in: [...installationIds] } },
    });
    return new Map(rows.map((row) => [row.installationId, { ...row, problems: asProblems(row.problems) }]));
  }

  /**
   * Adds `count` webhook signature failures. The count restarts when the stored window is older
   * than `windowMs` (database clock), so replicas adding at once all land in the same window.
   * Returns false when the installation is gone.
   */
  async addSignatureFailures(
    installationId: string,
    reportedBy: string,
    count: number,
    windowMs: number,
  ): Promise<boolean> {
    try {
      await this.db.$executeRaw`
        INSERT INTO channel_installation_status AS s
               (installation_id, state, reported_by, signature_failures, signature_window_started_at,
                last_signature_failure_at, updated_at)
        VALUES (${installationId}::uuid, ${DEFAULT_STATE}, ${reportedBy}, ${count}, now(), now(), now())
        ON CONFLICT (installation_id) DO UPDATE SET
          signature_failures = CASE
            WHEN s.signature_window_started_at > now() - ${windowMs}::integer * interval '1 millisecond'
            THEN s.signature_failures + EXCLUDED.signature_failures
            ELSE EXCLUDED.signature_failures END,
          signature_window_started_at = CASE
            WHEN s.signature_window_started_at > now() - ${windowMs}::integer * interval '1 millisecond'
            THEN s.signature_window_started_at
            ELSE now() END,
          last_signature_failure_at = now()`;
      return true;
    } catch (cause) {
      if (isForeignKeyViolation(cause)) return false;
      throw cause;
    }
  }

  /**
   * One query for every installation that has a status row, with what its health is judged by,
   * and the database's clock (so replicas with skewed clocks judge alike).
   */
  async healthRows(): Promise<{ now: Date; rows: HealthRow[] }> {
    const rows = await this.db.$queryRaw<RawHealthRow[]>`
      SELECT s.installation_id::text AS installation_id,
             ci.workspace_id::text AS workspace_id,
             ci.channel_type,
             ci.status::text AS status,
             (ci.parked_at IS NOT NULL) AS parked,
             ci.updated_at AS config_updated_at,
             s.state, s.updated_at AS reported_at, s.lease_holder, ci.lease_expires_at, s.last_inbound_at, s.last_error,
             s.credentials_refused_at, s.credentials_refused_error, s.stale_since,
             s.signature_failures, s.signature_window_started_at, s.last_signature_failure_at,
             s.problems,
             now() AS db_now
        FROM channel_installation_status s
        JOIN channel_installation ci ON ci.id = s.installation_id`;
    const now = rows[0]?.db_now ?? (await this.#dbNow());
    return {
      now,
      rows: rows.map((row) => ({
        installationId: row.installation_id,
        workspaceId: row.workspace_id,
        channelType: row.channel_type,
        status: row.status,
        parked: row.parked,
        configUpdatedAt: row.config_updated_at,
        state: row.state,
        reportedAt: row.reported_at,
        leaseHolder: row.lease_holder,
        leaseExpiresAt: row.lease_expires_at,
        lastInboundAt: row.last_inbound_at,
        lastError: row.last_error,
        credentialsRefusedAt: row.credentials_refused_at,
        credentialsRefusedError: row.credentials_refused_error,
        staleSince: row.stale_since,
        signatureFailures: Number(row.signature_failures),
        signatureWindowStartedAt: row.signature_window_started_at,
        lastSignatureFailureAt: row.last_signature_failure_at,
        problems: asProblems(row.problems),
      })),
    };
  }

  /** Writes the problems of several installations in one statement. */
  async writeProblems(changes: ReadonlyArray<{ installationId: string; problems: StoredProblem[] }>) {
    if (changes.length === 0) return 0;
    const payload = JSON.stringify(
      changes.map((change) => ({ installation_id: change.installationId, problems: change.problems })),
    );
    return this.db.$executeRaw`
      UPDATE channel_installation_status AS s
         SET problems = p.problems
        FROM jsonb_to_recordset(${payload}::jsonb) AS p(installation_id uuid, problems jsonb)
       WHERE s.installation_id = p.installation_id
         AND s.problems IS DISTINCT FROM p.problems`;
  }

  async #dbNow(): Promise<Date> {
    const [row] = await this.db.$queryRaw<Array<{ now: Date }>>`SELECT now() AS now`;
    return row?.now ?? new Date();
  }
}

interface RawHealthRow {
  installation_id: string;
  workspace_id: string;
  channel_type: string;
  status: string;
  parked: boolean;
  config_updated_at: Date;
  state: string;
  reported_at: Date;
  lease_holder: string | null;
  lease_expires_at: Date | null;
  last_inbound_at: Date | null;
  last_error: string | null;
  credentials_refused_at: Date | null;
  credentials_refused_error: string | null;
  stale_since: Date | null;
  signature_failures: number | bigint;
  signature_window_started_at: Date | null;
  last_signature_failure_at: Date | null;
  problems: unknown;
  db_now: Date;
}

function asProblems(value: unknown): StoredProblem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is StoredProblem =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as StoredProblem).code === 'string' &&
      typeof (item as StoredProblem).message === 'string',
  );
}
