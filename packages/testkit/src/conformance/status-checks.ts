import { type DeliveryState, type InboundEvent, parseInboundEvent } from '@switchboard/core';
import { describe, expect, it } from 'vitest';

/** How a channel turns a platform's delivery reports into `status` events. */
export interface StatusConformance {
  /** The channel type the events must name. */
  type: string;
  /**
   * The events the channel makes of one platform delivery reporting `states`, in that order, for
   * the message the platform knows as `platformMessageId` (a failure with `errorCode`).
   */
  parseStatuses(
    platformMessageId: string,
    states: DeliveryState[],
    errorCode: string,
  ): InboundEvent[] | Promise<InboundEvent[]>;
  /** The platform error code `failed` is reported with in the fixture. */
  errorCode: string;
}

type StatusEvent = Extract<InboundEvent, { kind: 'status' }>;

function statusesOf(events: InboundEvent[]): StatusEvent[] {
  return events.map((event) => {
    const parsed = parseInboundEvent(event);
    expect(parsed.kind).toBe('status');
    return parsed as StatusEvent;
  });
}

/**
 * Status events, which the hub applies to its outbound record (a later state never goes back):
 * each state reported is its own event, with an id that survives redelivery and differs per state,
 * and reports out of order are all kept, in order, for the hub to settle.
 */
export function describeStatusEventChecks(options: StatusConformance): void {
  describe(`${options.type} status events`, () => {
    it('makes one status event per state, naming the message and the channel type', async () => {
      const events = statusesOf(
        await options.parseStatuses('conformance-msg-1', ['sent', 'delivered', 'read'], options.errorCode),
      );
      expect(events.map((e) => e.status.state)).toEqual(['sent', 'delivered', 'read']);
      for (const event of events) {
        expect(event.status.platformMessageId).toBe('conformance-msg-1');
        expect(event.status.scope.channelType).toBe(options.type);
      }
    });

    it('keeps reports that arrive out of order or skip a step, in the order received', async () => {
      const events = statusesOf(
        await options.parseStatuses('conformance-msg-2', ['read', 'sent'], options.errorCode),
      );
      expect(events.map((e) => e.status.state)).toEqual(['read', 'sent']);
    });

    it('gives each state its own event id, and the same one on redelivery', async () => {
      const first = statusesOf(
        await options.parseStatuses('conformance-msg-3', ['delivered', 'read'], options.errorCode),
      );
      const again = statusesOf(
        await options.parseStatuses('conformance-msg-3', ['delivered', 'read'], options.errorCode),
      );
      expect(new Set(first.map((e) => e.eventId)).size).toBe(2);
      expect(again.map((e) => e.eventId)).toEqual(first.map((e) => e.eventId));
      const other = statusesOf(
        await options.parseStatuses('conformance-msg-4', ['delivered'], options.errorCode),
      );
      expect(first.map((e) => e.eventId)).not.toContain(other[0]?.eventId);
    });

    it("reports a failure with the platform's error code", async () => {
      const [failed] = statusesOf(
        await options.parseStatuses('conformance-msg-5', ['failed'], options.errorCode),
      );
      expect(failed?.status).toMatchObject({ state: 'failed', errorCode: options.errorCode });
    });
  });
}
