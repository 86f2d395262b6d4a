import type { Db } from '../database/open.js';
import type { AuditReason } from './audit.js';

/** Messages of one installation in one minute: received, and handed to the agent. */
export interface MessageMinute {
  installationId: string;
  channelType: string;
  /** The start of the minute (UTC). */
  minute: Date;
  inbound: number;
  delivered: number;
}

export interface ReasonCount {
  reason: AuditReason;
  count: number;
}

/**
 * Aggregates for the console's activity charts, one statement per chart, over what the hub
 * records anyway: inbound rows (`channel_inbound_message_dedup.first_seen_at`) and decisions
 * (`channel_inbound_audit`). Only the workspace's own installations and decisions are counted.
 */
export class ActivityStore {
  constructor(private readonly db: Db) {}

  /**
   * Per installation and minute since `since`: events received (their first sighting; repeats are
   * not counted again) and events delivered (the `delivered` decision, written when the agent
   * took it, so a retried delivery counts in the minute it succeeded). Minutes without either
   * are left out.
   */
  async messagesPerMinute(workspaceId: string, since: Date): Promise<MessageMinute[]> {
    const rows = await this.db.$queryRaw<
      Array<{
        installation_id: string;
        channel_type: string;
        minute: Date;
        inbound: bigint;
        delivered: bigint;
      }>
    >`
      WITH events AS (
        SELECT d.installation_id, d.channel_type, date_trunc('minute', d.first_seen_at) AS minute,
               1 AS inbound, 0 AS delivered
        FROM channel_inbound_message_dedup d
        JOIN channel_installation i ON i.id = d.installation_id
        WHERE i.workspace_id = ${workspaceId}::uuid AND d.first_seen_at >= ${since}
        UNION ALL
        SELECT a.installation_id, a.channel_type, date_trunc('minute', a.created_at), 0, 1
        FROM channel_inbound_audit a
        WHERE a.workspace_id = ${workspaceId}::uuid AND a.created_at >= ${since}
          AND a.reason = 'delivered' AND a.installation_id IS NOT NULL)
      SELECT installation_id::text AS installation_id, min(channel_type) AS channel_type, minute,
             sum(inbound) AS inbound, sum(delivered) AS delivered
      FROM events
      GROUP BY installation_id, minute
      ORDER BY minute, installation_id`;
    return rows.map((row) => ({
      installationId: row.installation_id,
      channelType: row.channel_type,
      minute: new Date(row.minute),
      inbound: Number(row.inbound),
      delivered: Number(row.delivered),
    }));
  }

  /** How many decisions of each reason the workspace's audit holds since `since`, most first. */
  async reasonCounts(workspaceId: string, since: Date): Promise<ReasonCount[]> {
    const rows = await this.db.$queryRaw<Array<{ reason: string; count: bigint }>>`
      SELECT reason, count(*) AS count
      FROM channel_inbound_audit
      WHERE workspace_id = ${workspaceId}::uuid AND created_at >= ${since}
      GROUP BY reason
      ORDER BY count(*) DESC, reason`;
    return rows.map((row) => ({ reason: row.reason as AuditReason, count: Number(row.count) }));
  }
}
