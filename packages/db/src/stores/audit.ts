import type { Db } from '../database/open.js';
import type { Prisma } from '../generated/prisma/client.js';
import { normalizeForDatabase } from './normalize-text.js';

/** Every terminal decision about an inbound event has exactly one of these reasons. */
export const auditReasons = [
  'duplicate',
  'unknown_installation',
  'installation_revoked',
  'ignored_self',
  'ignored_bot',
  'ignored_edit',
  'unsupported_event',
  'wrong_tenant',
  'wrong_app',
  'external_guest',
  // The directory knows the sender but their account is not active (detail: status).
  'inactive_user',
  'group_disabled',
  'not_addressed_in_group',
  'not_bound',
  'link_requested',
  'non_workspace_member',
  'provisioned',
  'provision_failed',
  'provision_refused_no_admin',
  'delivered',
  'delivery_failed',
  // Not terminal: the sender was recognised through a trusted identity and bound (detail: namespace).
  'resolved',
  // Not terminal: a member's proven identities followed the platform's notice of new ids (detail: namespaces).
  'identity_changed',
  // The agent does not take this event kind (its eventTypes); statuses still update the outbound row.
  'not_subscribed',
  'processing_failed',
  // Not terminal: the event's text was changed to fit the database (NUL, lone surrogates).
  'text_normalized',
  // Terminal: the database refused the event even on its own; it is acknowledged, never queued.
  'poison',
  'dead_letter_retried',
  'dead_letter_discarded',
  'account_warning',
  'account_event_ignored',
  'account_delivery',
] as const;
export type AuditReason = (typeof auditReasons)[number];

export interface AuditEntry {
  reason: AuditReason;
  /** Null when the event named an installation that does not exist. */
  installationId: string | null;
  workspaceId: string | null;
  channelType: string | null;
  platformEventId?: string | null;
  channelUserId?: string | null;
  userId?: string | null;
  /** Ids, counts and error codes only: never a message body. */
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'detail'>> {
  id: string;
  detail: Record<string, unknown> | null;
  createdAt: Date;
}

export interface AuditQuery {
  workspaceId: string;
  installationId?: string;
  reason?: AuditReason;
  platformEventId?: string;
  /** The workspace user the decision was about. */
  userId?: string;
  /** Decisions at or after this time. */
  since?: Date;
  /** Decisions before this time. */
  until?: Date;
  limit: number;
  /** The `id` of the last row of the previous page; rows are returned newest first. */
  cursor?: string;
}

export class AuditStore {
  constructor(private readonly db: Db) {}

  async record(entries: AuditEntry | AuditEntry[]): Promise<void> {
    // Ids and details come from platforms too: a NUL in a user id must not fail the audit write.
    const list = normalizeForDatabase(Array.isArray(entries) ? entries : [entries]).value;
    if (list.length === 0) return;
    await this.db.channelInboundAudit.createMany({
      data: list.map((entry) => ({
        reason: entry.reason,
        installationId: entry.installationId,
        workspaceId: entry.workspaceId,
        channelType: entry.channelType,
        platformEventId: entry.platformEventId ?? null,
        channelUserId: entry.channelUserId ?? null,
        userId: entry.userId ?? null,
        detail: entry.detail === undefined ? undefined : (entry.detail as Prisma.InputJsonValue),
      })),
    });
  }

  async list(query: AuditQuery): Promise<{ entries: AuditRecord[]; nextCursor: string | null }> {
    const rows = await this.db.channelInboundAudit.findMany({
      where: {
        workspaceId: query.workspaceId,
        ...(query.installationId ? { installationId: query.installationId } : {}),
        ...(query.reason ? { reason: query.reason } : {}),
        ...(query.platformEventId ? { platformEventId: query.platformEventId } : {}),
        ...(query.userId ? { userId: query.userId } : {}),
        ...(query.since || query.until
          ? {
              createdAt: {
                ...(query.since ? { gte: query.since } : {}),
                ...(query.until ? { lt: query.until } : {}),
              },
            }
          : {}),
        ...(query.cursor ? { id: { lt: BigInt(query.cursor) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      entries: page.map((row) => ({
        id: row.id.toString(),
        reason: row.reason as AuditReason,
        installationId: row.installationId,
        workspaceId: row.workspaceId,
        channelType: row.channelType,
        platformEventId: row.platformEventId,
        channelUserId: row.channelUserId,
        userId: row.userId,
        detail: (row.detail ?? null) as Record<string, unknown> | null,
        createdAt: row.createdAt,
      })),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id.toString() ?? null) : null,
    };
  }
}
