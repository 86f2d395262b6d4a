import type { InboundEvent, Logger } from '@switchboard/core';
import { parseSlackPayload, type SlackParseContext } from './parse.js';

/** What `SocketModeClient` hands its `slack_event` listeners, checked at runtime (the SDK types it loosely). */
export interface SocketEnvelope {
  type: string;
  envelopeId: string;
  body: unknown;
  retryAttempt?: number;
  retryReason?: string;
  /** Sends `{ envelope_id }` back over the socket. */
  ack(): Promise<void>;
}

export function toSocketEnvelope(value: unknown): SocketEnvelope | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const { ack, type, envelope_id: envelopeId } = fields;
  if (typeof ack !== 'function' || typeof type !== 'string' || typeof envelopeId !== 'string') {
    return undefined;
  }
  return {
    type,
    envelopeId,
    body: fields.body,
    retryAttempt: typeof fields.retry_num === 'number' ? fields.retry_num : undefined,
    retryReason: typeof fields.retry_reason === 'string' ? fields.retry_reason : undefined,
    ack: async () => {
      await ack();
    },
  };
}

export interface EnvelopeHandlerDeps {
  parseContext: SlackParseContext;
  emit(event: InboundEvent): Promise<void>;
  logger: Logger;
}

/**
 * One Socket Mode envelope, end to end. Invariant: an `events_api` envelope is acked only after
 * `emit` resolved for every event in it, i.e. after the hub recorded them durably. If an emit
 * rejects nothing is acked and Slack redelivers the envelope (same `payload.event_id`, so the hub
 * drops the copies it already has). Never throws: it runs as an event listener.
 */
export async function handleSocketEnvelope(
  envelope: SocketEnvelope,
  deps: EnvelopeHandlerDeps,
): Promise<void> {
  const logger = deps.logger.child({
    envelopeId: envelope.envelopeId,
    envelopeType: envelope.type,
    retryAttempt: envelope.retryAttempt,
  });
  if (envelope.type !== 'events_api') {
    // Interactivity and slash commands are not supported (nor over HTTP); acking stops redelivery.
    logger.warn('Slack Socket Mode envelope type is not handled; acknowledging it without an event');
    await ackOrLog(envelope, logger);
    return;
  }
  let events: InboundEvent[];
  try {
    events = parseSlackPayload(envelope.body, deps.parseContext).events;
  } catch (error) {
    // A payload that does not parse never will: redelivery cannot help, so ack it and say so loudly.
    logger.error({ err: error }, 'Slack Socket Mode payload could not be parsed; acknowledged and dropped');
    await ackOrLog(envelope, logger);
    return;
  }
  try {
    for (const event of events) await deps.emit(event);
  } catch (error) {
    logger.warn({ err: error }, 'recording a Slack event failed; not acknowledged, Slack will redeliver it');
    return;
  }
  await ackOrLog(envelope, logger);
}

async function ackOrLog(envelope: SocketEnvelope, logger: Logger): Promise<void> {
  try {
    await envelope.ack();
  } catch (error) {
    // The socket closed meanwhile; Slack redelivers unacked envelopes and the hub deduplicates.
    logger.warn({ err: error }, 'could not acknowledge the Slack envelope; Slack will redeliver it');
  }
}
