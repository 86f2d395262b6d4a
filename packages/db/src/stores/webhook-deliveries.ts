import type { Db } from '../database/open.js';

/** A claim not finished after this long was left by a replica that died mid-delivery. */
const DEFAULT_ABANDONED_MS = 5 * 60 * 1000;

/**
 * `webhook_delivery_claim`: which webhook deliveries a replica took on. The claim is one
 * `INSERT ... ON CONFLICT DO NOTHING` on (installation, delivery id), so when replicas receive one
 * delivery at the same instant exactly one of them wins and handles it.
 */
export class WebhookDeliveryStore {
  constructor(private readonly db: Db) {}

  /**
   * True when this caller now owns the delivery; false when it was handled already, or another
   * replica is handling it. An unfinished claim older than `abandonedMs` is taken over.
   */
  async claim(
    installationId: string,
    deliveryId: string,
    abandonedMs = DEFAULT_ABANDONED_MS,
  ): Promise<boolean> {
    const rows = await this.db.$queryRaw<Array<{ delivery_id: string }>>`
      INSERT INTO webhook_delivery_claim (installation_id, delivery_id, claimed_at)
      VALUES (${installationId}::uuid, ${deliveryId}, now())
      ON CONFLICT (installation_id, delivery_id) DO UPDATE SET claimed_at = now()
        WHERE webhook_delivery_claim.finished_at IS NULL
          AND webhook_delivery_claim.claimed_at < now() - ${Math.round(abandonedMs)} * interval '1 millisecond'
      RETURNING delivery_id`;
    return rows.length > 0;
  }

  /** The delivery was handled: every later copy of it is a replay. */
  async finish(installationId: string, deliveryId: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE webhook_delivery_claim SET finished_at = now(), pending_events = NULL
      WHERE installation_id = ${installationId}::uuid AND delivery_id = ${deliveryId}`;
  }

  /**
   * Keeps events of a claimed delivery whose work goes on after the answer; they stay until
   * `finish`, so a replica that dies meanwhile leaves them to `takeAbandoned`.
   */
  async defer(installationId: string, deliveryId: string, events: unknown[]): Promise<void> {
    await this.db.$executeRaw`
      UPDATE webhook_delivery_claim
      SET pending_events = ${JSON.stringify(events)}::jsonb, claimed_at = now()
      WHERE installation_id = ${installationId}::uuid AND delivery_id = ${deliveryId}`;
  }

  /**
   * Deferred deliveries of an installation unfinished for longer than `olderThanMs` (their
   * replica died or gave up), claimed again by the caller: each is returned to one caller.
   */
  async takeAbandoned(
    installationId: string,
    olderThanMs: number,
    limit = 100,
  ): Promise<Array<{ deliveryId: string; events: unknown[] }>> {
    const rows = await this.db.$queryRaw<Array<{ delivery_id: string; pending_events: unknown }>>`
      UPDATE webhook_delivery_claim SET claimed_at = now()
      WHERE (installation_id, delivery_id) IN (
        SELECT installation_id, delivery_id FROM webhook_delivery_claim
        WHERE installation_id = ${installationId}::uuid AND finished_at IS NULL
          AND pending_events IS NOT NULL
          AND claimed_at < now() - ${Math.round(olderThanMs)} * interval '1 millisecond'
        ORDER BY claimed_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING delivery_id, pending_events`;
    return rows.map((row) => ({
      deliveryId: row.delivery_id,
      events: Array.isArray(row.pending_events) ? row.pending_events : [],
    }));
  }

  /** Handling failed before anything was applied: the platform's retry may claim it again. */
  async release(installationId: string, deliveryId: string): Promise<void> {
    await this.db.$executeRaw`
      DELETE FROM webhook_delivery_claim
      WHERE installation_id = ${installationId}::uuid AND delivery_id = ${deliveryId}
        AND finished_at IS NULL`;
  }
}
