import type { InboundEvent } from './envelope/events.js';
import type { VerifyResult, WebhookRequest, WebhookResponse } from './webhook.js';

/**
 * One installation's part of an app-level batch. `events` is called only once the hub has found
 * the installation, with its id, so an adapter never builds events for a target nobody installed.
 */
export interface AppRouteTarget {
  /** Names the installation within the app (WhatsApp `phone_number_id`, Feishu `tenant_key`). */
  installationKey: string;
  events(installationId: string): InboundEvent[];
}

export interface AppRouteResult {
  /** Sent instead of the hub's acknowledgement (a GET challenge answer, a platform's ack body). */
  response?: WebhookResponse;
  targets: AppRouteTarget[];
}

/**
 * An app-level route, `POST|GET /hooks/app/{type}/{appKey}`, for platforms that send every
 * tenant's events of one app to one URL. Every installation of the app is its own
 * `channel_installation` row (own secrets, status, inbox rows); they share the app key and the
 * app secret, so the hub verifies a request once, with any one of them.
 *
 * The two fields name non-secret top-level config keys, so the hub can find installations by them.
 * Invariant: an installation key belongs to at most one active installation of an app; a key two
 * of them claim is refused (counted), never written to either.
 */
export interface AppRoute<C extends Record<string, unknown> = Record<string, unknown>> {
  /** The config key holding the app's key, the `{appKey}` of the URL (e.g. `app_key`). */
  readonly appKeyField: string;
  /** The config key naming the installation within the app (e.g. `phone_number_id`). */
  readonly installationKeyField: string;
  /** With the config (secrets included) of an installation of the app. Must never throw. */
  verify(req: WebhookRequest, app: C): VerifyResult;
  /** Called only after `verify` succeeded; throws `MalformedPayloadError` on bad JSON or shape. */
  route(req: WebhookRequest, app: C): AppRouteResult;
}
