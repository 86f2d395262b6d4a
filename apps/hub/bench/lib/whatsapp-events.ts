import { signWhatsAppBody, waWebhookBody } from '@switchboard/testkit/fakes/whatsapp';

export const WA_APP_ID = '880000000001';
export const WA_PHONE_NUMBER_ID = '106540000000001';
export const WA_WABA_ID = '102290000000001';
export const WA_APP_SECRET = 'bench-whatsapp-app-secret-0001';
/** Messages per webhook post: Meta batches several changes and messages in one delivery. */
export const WA_BATCH = 10;
/** Distinct senders (each bound to the workspace owner), so messages spread over chats. */
export const WA_SENDERS = 32;

export function waSender(lane: number): string {
  return `49151000${String(lane).padStart(5, '0')}`;
}

/**
 * The n-th post of a load run: `WA_BATCH` text messages from senders taking turns, each with a
 * wamid unique across runs (`prefix`). The text has non-ASCII, so the hub verifies as it must for
 * real deliveries: over the raw bytes first, then over the escaped-unicode form Meta signs.
 */
export function whatsappBatchBody(prefix: string, n: number, conversations: number): string {
  const chats = Math.min(conversations, WA_SENDERS);
  return waWebhookBody(
    [
      {
        phoneNumberId: WA_PHONE_NUMBER_ID,
        messages: Array.from({ length: WA_BATCH }, (_, i) => {
          const index = n * WA_BATCH + i;
          return {
            id: `wamid.bench${prefix}${index}`,
            from: waSender(index % chats),
            text: `Grüße ${prefix} ${index}`,
            timestamp: 1_760_000_000 + Math.floor(index / 1000),
          };
        }),
      },
    ],
    WA_WABA_ID,
  );
}

export function whatsappHeaders(secret: string, body: string): Record<string, string> {
  return signWhatsAppBody(secret, body);
}
