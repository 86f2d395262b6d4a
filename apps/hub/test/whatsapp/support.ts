import { createHmac } from 'node:crypto';
import type { Registry } from '@switchboard/core';
import slackPlugin from '@switchboard/slack';
import { echoPlugin } from '@switchboard/testkit';
import { signWhatsAppBody, type WaChangeInput, waWebhookBody } from '@switchboard/testkit/fakes/whatsapp';
import whatsappPlugin from '@switchboard/whatsapp';
import { createChannelRegistry } from '../../src/channels/registry.js';
import type { HubFixture } from '../support/hub-fixture.js';

export const WA_APP = {
  app_id: '880011223344',
  waba_id: '102290129340398',
  access_token: 'EAAG-test-access-token',
  app_secret: 'whatsapp-app-secret-0001',
  verify_token: 'whatsapp-verify-0001',
};

/** Slack and the echo test channel, plus the WhatsApp plugin as the hub loads it by default. */
export function whatsappRegistry(): Registry {
  return createChannelRegistry([
    { name: '@switchboard/slack', plugin: slackPlugin },
    { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
    { name: '@switchboard/whatsapp', plugin: whatsappPlugin },
  ]);
}

/** Posts a webhook batch to the app's callback URL, signed as Meta signs it. */
export function postWhatsApp(
  hub: HubFixture,
  changes: WaChangeInput[] | string,
  options: { secret?: string; signed?: 'escaped' | 'raw'; appId?: string } = {},
) {
  const raw = typeof changes === 'string' ? changes : waWebhookBody(changes);
  return hub.request('POST', `/hooks/app/whatsapp/${options.appId ?? WA_APP.app_id}`, {
    raw,
    headers: signWhatsAppBody(options.secret ?? WA_APP.app_secret, raw, options.signed),
  });
}

/** The agent's signature on a request to the hub (`t=<s>,v1=<hex HMAC of "<t>.<body>">`). */
export function agentSignature(secret: string, body: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}
