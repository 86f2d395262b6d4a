import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';

/**
 * Parking: an admin keeps an installation's long connection closed without revoking it. While
 * `parked_at` is set no replica claims it (the supervisor's inventory skips it), so the replica
 * holding it disconnects and frees the lease; unparking lets the next scan connect it again.
 */
export class InstallationParkingStore {
  constructor(private readonly db: Db) {}

  /** When it was parked (null: not parked); `NotFoundError` for another workspace's id. */
  async parkedAt(workspaceId: string, installationId: string): Promise<Date | null> {
    const row = await this.db.channelInstallation.findFirst({
      where: { id: installationId, workspaceId },
      select: { parkedAt: true },
    });
    if (!row) throw new NotFoundError('installation', installationId);
    return row.parkedAt;
  }

  /** Parks an active installation (idempotent: an earlier park keeps its time). */
  async park(workspaceId: string, installationId: string): Promise<Date> {
    await this.db.channelInstallation.updateMany({
      where: { id: installationId, workspaceId, status: 'active', parkedAt: null },
      data: { parkedAt: new Date() },
    });
    const parkedAt = await this.parkedAt(workspaceId, installationId);
    if (!parkedAt) throw new NotFoundError('installation', installationId);
    return parkedAt;
  }

  async unpark(workspaceId: string, installationId: string): Promise<void> {
    await this.parkedAt(workspaceId, installationId);
    await this.db.channelInstallation.updateMany({
      where: { id: installationId, workspaceId },
      data: { parkedAt: null },
    });
  }
}
