import type { InboundEvent, Logger } from '@switchboard/core';
import type { AuditStore, InstallationRecord } from '@switchboard/db';
import { conversationKey } from './conversation.js';
import type { InboxWriter } from './inbox-writer.js';

export type RecordOutcome = 'recorded' | 'duplicate';

export interface EventRecorderOptions {
  writer: InboxWriter;
  audit: AuditStore;
  logger: Logger;
  /** Called after new rows committed, so local workers start at once instead of at their next poll. */
  onRecorded?(): void;
}

/**
 * Step 2 of the pipeline: makes events durable before anyone acknowledges them. Duplicates (the
 * platform retried, or redelivered over a socket) are audited and reported, never queued twice.
 * Invariant: the promise resolves only after the inbox commit; callers acknowledge after that.
 */
export class EventRecorder {
  constructor(private readonly options: EventRecorderOptions) {}

  async record(installation: InstallationRecord, events: InboundEvent[]): Promise<RecordOutcome[]> {
    const outcomes = await Promise.all(
      events.map((event) =>
        this.options.writer.insert({
          installationId: installation.id,
          channelType: installation.channelType,
          platformEventId: event.eventId,
          conversationKey: event.kind === 'message' ? conversationKey(event.message) : null,
          payload: event,
        }),
      ),
    );
    const duplicates = events.filter((_, index) => !outcomes[index]);
    if (duplicates.length > 0) {
      await this.options.audit.record(
        duplicates.map((event) => ({
          reason: 'duplicate' as const,
          installationId: installation.id,
          workspaceId: installation.workspaceId,
          channelType: installation.channelType,
          platformEventId: event.eventId,
          channelUserId: event.kind === 'message' ? event.message.source.sender.id : null,
        })),
      );
    }
    if (outcomes.some(Boolean)) this.options.onRecorded?.();
    return outcomes.map((inserted) => (inserted ? 'recorded' : 'duplicate'));
  }
}
