import {
  type AppRoute,
  MalformedPayloadError,
  type ParseResult,
  type WebhookHandler,
  type WebhookRequest,
} from '@switchboard/core';
import type { FeishuChannelConfig } from './config.js';
import { decodeFeishuBody, readFeishuEnvelope } from './envelope.js';
import { type FeishuParseContext, parseFeishuEvent } from './parse.js';
import { NonceBook, verifyFeishuRequest } from './verify.js';

/** Decodes a verified webhook body: the challenge answer, or the events it carries. */
export function parseFeishuRequest(
  req: WebhookRequest,
  encryptKey: string | undefined,
  ctx: FeishuParseContext,
): ParseResult {
  const envelope = readFeishuEnvelope(decodeFeishuBody(req.rawBody, encryptKey));
  if (envelope.kind === 'challenge') {
    return { response: { status: 200, body: { challenge: envelope.challenge } }, events: [] };
  }
  return { events: parseFeishuEvent(ctx, envelope.version, envelope.header, envelope.event, req.receivedAt) };
}

/** The per-installation webhook (`/hooks/{installationId}`). */
export function createFeishuWebhook(config: FeishuChannelConfig, ctx: FeishuParseContext): WebhookHandler {
  const nonces = new NonceBook();
  return {
    verify: (req) => verifyFeishuRequest(req, config, nonces),
    parse: (req) => parseFeishuRequest(req, config.encrypt_key, ctx),
  };
}

// One nonce book per app id for the app-level route, which has no channel object to keep it in.
const appNonces = new Map<string, NonceBook>();
const nonceBookFor = (appId: string): NonceBook => {
  let book = appNonces.get(appId);
  if (!book) {
    book = new NonceBook();
    appNonces.set(appId, book);
  }
  return book;
};

/**
 * The app-level route, `/hooks/app/feishu/{app_id}`: one request URL for an ISV app installed in
 * many tenants. The installation is the one whose `tenant_key` the event names; a challenge
 * names none and is answered without a target.
 */
export const feishuAppRoute: AppRoute<FeishuChannelConfig> = {
  appKeyField: 'app_id',
  installationKeyField: 'tenant_key',
  verify: (req, app) => verifyFeishuRequest(req, app, nonceBookFor(app.app_id)),
  route(req, app) {
    const envelope = readFeishuEnvelope(decodeFeishuBody(req.rawBody, app.encrypt_key));
    if (envelope.kind === 'challenge') {
      return { response: { status: 200, body: { challenge: envelope.challenge } }, targets: [] };
    }
    const tenantKey = envelope.header.tenant_key;
    if (!tenantKey) throw new MalformedPayloadError('event names no tenant_key, so no installation');
    return {
      targets: [
        {
          installationKey: tenantKey,
          events: (installationId) =>
            parseFeishuEvent(
              // The route found the installation by this tenant: it is the home tenant.
              { installationId, appId: app.app_id, homeTenant: () => tenantKey, botOpenId: () => undefined },
              envelope.version,
              envelope.header,
              envelope.event,
              req.receivedAt,
            ),
        },
      ],
    };
  },
};
