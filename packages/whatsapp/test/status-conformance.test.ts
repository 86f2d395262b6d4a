import { describeStatusEventChecks } from '@switchboard/testkit/conformance';
import { waWebhookBody } from '@switchboard/testkit/fakes/whatsapp';
import { routeWhatsAppBatch } from '../src/index.js';
import { APP_ID, PHONE_NUMBER_ID } from './fixtures.js';

describeStatusEventChecks({
  type: 'whatsapp',
  errorCode: '131026',
  parseStatuses: (id, states, errorCode) => {
    const body = waWebhookBody([
      {
        phoneNumberId: PHONE_NUMBER_ID,
        statuses: states.map((status) => ({
          id,
          status,
          recipientId: '4915123456789',
          ...(status === 'failed'
            ? { error: { code: Number(errorCode), title: 'Message Undeliverable' } }
            : {}),
        })),
      },
    ]);
    const { targets } = routeWhatsAppBatch(new TextEncoder().encode(body), APP_ID);
    return targets.flatMap((t) => t.events('conformance-installation'));
  },
});
