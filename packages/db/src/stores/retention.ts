import type { Db } from '../database/open.js';

export interface RetentionPolicy {
  /**
   * Finished inbox/dedup rows older than this are deleted (the dedup horizon); must outlast every
   * platform's retries. Dead letters are never deleted: they wait for an admin.
   */
  inboxMs: number;
  auditMs: number;
  /** Sent or failed outbound records older than this are deleted. */
  outboundMs: number;
}

export interface PurgeCounts {
  inbox: number;
  audit: number;
  bindingTokens: number;
  outbound: number;
  deliveryClaims: number;
}

/** Deletes what has outlived its purpose. Ages are measured on the database clock. */
export class RetentionStore {
  constructor(private readonly db: Db) {}

  async purge(policy: RetentionPolicy): Promise<PurgeCounts> {
    const inbox = await this.db.$executeRaw`
      DELETE FROM channel_inbound_message_dedup
      WHERE state = 'done'
        AND first_seen_at < now() - ${Math.round(policy.inboxMs)} * interval '1 millisecond'`;
    const audit = await this.db.$executeRaw`
      DELETE FROM channel_inbound_audit
      WHERE created_at < now() - ${Math.round(policy.auditMs)} * interval '1 millisecond'`;
    // An expired token can never be redeemed; a consumed one has done its job.
    const bindingTokens = await this.db.$executeRaw`
      DELETE FROM channel_binding_token WHERE expires_at < now()`;
    const outbound = await this.db.$executeRaw`
      DELETE FROM channel_outbound_message
      WHERE status IN ('sent', 'failed')
        AND updated_at < now() - ${Math.round(policy.outboundMs)} * interval '1 millisecond'`;
    // A finished claim only has to outlive the platform's redeliveries, like an inbox row.
    const deliveryClaims = await this.db.$executeRaw`
      DELETE FROM webhook_delivery_claim
      WHERE finished_at IS NOT NULL
        AND claimed_at < now() - ${Math.round(policy.inboxMs)} * interval '1 millisecond'`;
    return { inbox, audit, bindingTokens, outbound, deliveryClaims };
  }
}
