/**
 * The Graph API has no idempotency key, but a message may carry `biz_opaque_callback_data`
 * (up to 512 characters), which Meta echoes in every status of that message. The adapter puts the
 * hub's outbound id and the part there, so a status of a post whose answer was lost still names
 * the outbound message it belongs to.
 */
const TAG = /^sb1:([0-9A-Za-z-]{1,64}):(\d{1,4})\/(\d{1,4})$/;

/** The tag of part `part` (0-based) of `parts` of one outbound message. */
export function outboundTag(outboundId: string, part: number, parts: number): string {
  return `sb1:${outboundId}:${part}/${parts}`;
}

/**
 * The outbound id a status reports on, when its tag names the last part: the last part's id is
 * the message's `platformMessageId`. Earlier parts, and data someone else put there, name none.
 */
export function outboundIdOfTag(tag: string | undefined): string | undefined {
  const match = tag ? TAG.exec(tag) : null;
  if (!match) return undefined;
  const [, outboundId, part, parts] = match;
  return Number(part) === Number(parts) - 1 ? outboundId : undefined;
}
