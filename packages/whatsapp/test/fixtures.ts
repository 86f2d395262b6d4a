import { waWebhookBody } from '@switchboard/testkit/fakes/whatsapp';

export const APP_SECRET = 'app-secret-0123456789';
export const VERIFY_TOKEN = 'verify-token-0123';
export const ACCESS_TOKEN = 'EAAG-access-token';
export const APP_ID = '1234567890';
export const PHONE_NUMBER_ID = '106540352242922';

export const validConfig = {
  app_id: APP_ID,
  phone_number_id: PHONE_NUMBER_ID,
  waba_id: '102290129340398',
  access_token: ACCESS_TOKEN,
  app_secret: APP_SECRET,
  verify_token: VERIFY_TOKEN,
};

export function textBatch(phoneNumberIds: string[]): string {
  return waWebhookBody(
    phoneNumberIds.map((phoneNumberId, i) => ({
      phoneNumberId,
      messages: [{ id: `wamid.conformance-${i}`, from: '4915123456789', text: `hello ${i}` }],
    })),
  );
}

export function request(body: string | Uint8Array, headers: Record<string, string> = {}) {
  return {
    method: 'POST',
    path: `/hooks/app/whatsapp/${APP_ID}`,
    headers,
    query: {},
    rawBody: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    receivedAt: new Date('2026-12-01T10:00:00Z'),
  };
}
