import { whatsappAppRoute, whatsappConfigSchema } from '@switchboard/whatsapp';
import { describe, expect, it } from 'vitest';
import { readOptions } from '../../bench/lib/options.js';
import {
  WA_APP_ID,
  WA_APP_SECRET,
  WA_BATCH,
  WA_PHONE_NUMBER_ID,
  WA_WABA_ID,
  whatsappBatchBody,
  whatsappHeaders,
} from '../../bench/lib/whatsapp-events.js';

const config = whatsappConfigSchema.parse({
  app_id: WA_APP_ID,
  phone_number_id: WA_PHONE_NUMBER_ID,
  waba_id: WA_WABA_ID,
  access_token: 'EAAG-bench-token',
  app_secret: WA_APP_SECRET,
  verify_token: 'bench-verify-0001',
});

function post(body: string) {
  const headers = whatsappHeaders(WA_APP_SECRET, body);
  return {
    method: 'POST',
    path: `/hooks/app/whatsapp/${WA_APP_ID}`,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    query: {},
    rawBody: new TextEncoder().encode(body),
    receivedAt: new Date(),
  };
}

describe('the WhatsApp bench load', () => {
  it('posts batches the adapter verifies and splits into 10 distinct messages', () => {
    const req = post(whatsappBatchBody('L', 7, 256));
    expect(whatsappAppRoute.verify(req, config)).toEqual({ ok: true });
    const [target] = whatsappAppRoute.route(req, config).targets;
    expect(target?.installationKey).toBe(WA_PHONE_NUMBER_ID);
    const events = target?.events('inst-1') ?? [];
    expect(events).toHaveLength(WA_BATCH);
    expect(events.every((e) => e.kind === 'message')).toBe(true);
    const ids = new Set(
      [
        whatsappBatchBody('L', 7, 256),
        whatsappBatchBody('L', 8, 256),
        whatsappBatchBody('W', 7, 256),
      ].flatMap((body) =>
        whatsappAppRoute
          .route(post(body), config)
          .targets.flatMap((t) => t.events('inst-1').map((e) => e.eventId)),
      ),
    );
    expect(ids.size).toBe(3 * WA_BATCH);
  });

  it('runs by default and is skipped with --no-whatsapp', () => {
    expect(readOptions([], {}).whatsapp).toBe(true);
    expect(readOptions(['--no-whatsapp'], {}).whatsapp).toBe(false);
  });
});
