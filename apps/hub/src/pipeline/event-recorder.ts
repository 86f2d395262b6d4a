import { type InboundEvent, inboundEventSender, type Logger } from '@switchboard/core';
import {
  type AuditEntry,
  type AuditStore,
  type InstallationRecord,
  normalizeForDatabase,
} from '@switchboard/db';
import { eventConversationKey } from './conversation.js';
import type { InboxWriter, InsertOutcome } from './inbox-writer.js';

/** `poison`: the database refused the event; it was audited and acknowledged, never queued. */
export type RecordOutcome = 'recorded' | 'duplicate' | 'poison';

export interface EventRecorderOptions {
  writer: InboxWriter;
  audit: AuditStore;
  logger: Logger;
  /** Called after new rows committed, so local workers start at once instead of at their next poll. */
  onRecorded?(installationId: string): void;
}

/**
 * Step 2 of the pipeline: makes events durable before anyone acknowledges them. Duplicates (the
 * platform retried, or redelivered over a socket) are audited and reported, never queued twice.
 * Text PostgreSQL cannot store (NUL, lone surrogates) is normalised first; the event as received is
 * kept beside it and the change is audited. Invariant: the promise resolves only after the inbox
 * commit; callers acknowledge after that.
 */
export class EventRecorder {
  constructor(private readonly options: EventRecorderOptions) {}

  async record(installation: InstallationRecord, events: InboundEvent[]): Promise<RecordOutcome[]> {
    const scope = {
      installationId: installation.id,
      workspaceId: installation.workspaceId,
      channelType: installation.channelType,
    };
    const audits: AuditEntry[] = [];
    const prepared = events.map((original) => {
      const { value: event, changes } = normalizeForDatabase(original);
      if (changes) {
        audits.push({
          ...scope,
          reason: 'text_normalized',
          platformEventId: event.eventId,
          detail: { ...changes },
        });
      }
      return { event, rawPayload: changes ? JSON.stringify(original) : null };
    });
    const outcomes: InsertOutcome[] = await Promise.all(
      prepared.map(({ event, rawPayload }) =>
        this.options.writer.insert({
          installationId: installation.id,
          channelType: installation.channelType,
          platformEventId: event.eventId,
          conversationKey: eventConversationKey(event),
          payload: event,
          rawPayload,
        }),
      ),
    );
    prepared.forEach(({ event }, index) => {
      const outcome = outcomes[index];
      const channelUserId = inboundEventSender(event)?.id ?? null;
      if (outcome?.kind === 'duplicate') {
        audits.push({ ...scope, reason: 'duplicate', platformEventId: event.eventId, channelUserId });
      } else if (outcome?.kind === 'poison') {
        const code = (outcome.error as { code?: unknown } | null)?.code;
        this.options.logger.warn(
          { err: outcome.error, installationId: installation.id, eventId: event.eventId },
          'the database refused an event; acknowledged as poison',
        );
        audits.push({
          ...scope,
          reason: 'poison',
          platformEventId: event.eventId.slice(0, 256),
          channelUserId,
          detail: { error: typeof code === 'string' ? code : 'insert_failed' },
        });
      }
    });
    if (audits.length > 0) await this.#audit(audits);
    if (outcomes.some((outcome) => outcome.kind === 'inserted')) this.options.onRecorded?.(installation.id);
    return outcomes.map((outcome) => (outcome.kind === 'inserted' ? 'recorded' : outcome.kind));
  }

  /** Audit rows describe what was recorded; failing to write them must not fail the ingress. */
  async #audit(entries: AuditEntry[]): Promise<void> {
    try {
      await this.options.audit.record(entries);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'writing ingress audit rows failed');
    }
  }
}
