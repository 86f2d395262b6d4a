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
      UPDATE webhook_delivery_claim SET finished_at = now()
      WHERE installation_id = ${installationId}::uuid AND delivery_id = ${deliveryId}`;
  }

  /** Handling failed before anything was applied: the platform's retry may claim it again. */
  async release(installationId: string, deliveryId: string): Promise<void> {
    await this.db.$executeRaw`
      DELETE FROM webhook_delivery_claim
      WHERE installation_id = ${installationId}::uuid AND delivery_id = ${deliveryId}
        AND finished_at IS NULL`;
  }
}
