import type { InboundMessage, OutboundMedia } from '@switchboard/core';
import type { InstallationRecord, OutboundStore } from '@switchboard/db';

export interface OutboundRequest {
  installation: InstallationRecord;
  chatId: string;
  message: {
    text?: string;
    card?: Record<string, unknown>;
    media?: OutboundMedia;
    reply?: InboundMessage['reply'];
  };
  idempotencyKey: string;
  updateOfId?: string;
}

/**
 * Accepts messages for platforms (agent replies, binding links): stores each as an outbound row
 * the outbound worker sends, and wakes that worker when a row is new.
 */
export class OutboundQueue {
  constructor(
    private readonly store: OutboundStore,
    private readonly wake: () => void,
  ) {}

  /** A repeated idempotency key returns the first record and sends nothing. */
  async enqueue(request: OutboundRequest) {
    const { installation, chatId, message, idempotencyKey } = request;
    const payload = {
      target: { chatId, ...(message.reply ? { reply: message.reply } : {}) },
      ...(message.text !== undefined ? { text: message.text } : {}),
      ...(message.card !== undefined ? { card: message.card } : {}),
      // Stored with the row like text (data included), so a retry after a restart still has it.
      ...(message.media !== undefined ? { media: message.media } : {}),
      idempotencyKey,
    };
    const queued = await this.store.enqueue({
      installationId: installation.id,
      channelType: installation.channelType,
      channelChatId: chatId,
      idempotencyKey,
      payload,
      ...(request.updateOfId ? { updateOfId: request.updateOfId } : {}),
    });
    if (queued.created) this.wake();
    return queued;
  }
}
