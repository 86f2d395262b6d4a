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
  updatedAt: Date;
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
    const common = {
      reportedBy,
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

  async get(installationId: string): Promise<InstallationStatusRecord | null> {
    return this.db.channelInstallationStatus.findUnique({ where: { installationId } });
  }
}
