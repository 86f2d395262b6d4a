import type { ChannelFactory, MediaRef, OutboundTarget } from '@switchboard/core';

/** A running fake of the platform, started fresh for each test that talks to it. */
export interface ConformancePlatform {
  /** Goes into the config's `api_base_url`. */
  apiBaseUrl: string;
  /** The text the platform now holds for a message the channel sent, or undefined if it has none. */
  messageText(target: OutboundTarget, platformMessageId: string): string | undefined;
  /**
   * Long-connection channels: resolves once exactly `count` connections are open on the platform,
   * so the suite can see that `connect` opened one and `disconnect` closed it.
   */
  waitForConnections?(count: number): Promise<void>;
  /**
   * Long-connection channels: the platform pushes one event over the open connection (as it
   * would a real one); the suite expects a valid event at `ctx.emit`.
   */
  pushEvent?(): Promise<void>;
  /** Required iff the channel declares `Media`. */
  media?: ConformanceMedia;
  close(): Promise<void>;
}

/** How the suite sees media on the fake platform. */
export interface ConformanceMedia {
  /**
   * What the platform holds for a media message the channel sent: its kind in the suite's terms
   * (`image`, `file`…) and the bytes uploaded, or the `link` it was given instead.
   */
  sentMedia(
    target: OutboundTarget,
    platformMessageId: string,
  ): { kind: string; bytes?: Uint8Array; link?: string } | undefined;
  /** Makes the platform serve `bytes` as received media; answers the ref an inbound event carries. */
  addInboundMedia(bytes: Uint8Array, kind: MediaRef['kind']): MediaRef | Promise<MediaRef>;
  /** A ref the platform has no media for. */
  missingRef(): MediaRef;
}

/** A raw webhook body as the platform posts it. */
export interface ConformanceFixture {
  name: string;
  body: string | Uint8Array;
}

export interface ChannelConformanceOptions<C extends Record<string, unknown>> {
  /** Names the `describe` block; defaults to `<factory.type> channel conformance`. */
  name?: string;
  factory: ChannelFactory<C>;
  /** A config input that must validate, without `api_base_url` (the suite adds the fake's). */
  validConfig: Record<string, unknown>;
  /** Inputs that must fail with `InvalidConfigError`, each named for the test output. */
  invalidConfigs: Record<string, unknown>;
  /** The top-level config keys that must be marked `secret(...)`, and no others. */
  secretKeys: string[];
  startPlatform(): Promise<ConformancePlatform>;
  /** Required iff the channel declares `Webhook`. */
  webhook?: ConformanceWebhook;
  /** Where `send` (and `update`, if declared) is tried; the fake must accept them. */
  sendTargets: OutboundTarget[];
  /** Required iff the factory declares `appRoute`. */
  appRoute?: ConformanceAppRoute;
  /**
   * Why a channel declaring `Media` skips the media checks (it declares inbound media only and
   * cannot send `OutboundMessage.media` yet); otherwise `ConformancePlatform.media` is required.
   */
  skipMediaChecks?: string;
}

/** App-level routing: two installations of one app and batches that address them. */
export interface ConformanceAppRoute {
  /** Config inputs of two installations of one app: same app key and secret, other installation keys. */
  installations: [Record<string, unknown>, Record<string, unknown>];
  /** A batch the platform would post with at least one event for each installation key given. */
  batch(installationKeys: string[]): string | Uint8Array;
  verification: WebhookVerification;
  challenge?: ChallengeVerification;
}

/**
 * Timestamped HMAC (Slack `v0:<ts>:<body>`, echo `<ts>.<body>`): forged, tampered and stale
 * (301 s either way) requests are refused.
 */
export interface TimestampedHmacVerification {
  style: 'timestamped-hmac';
  /** The headers the platform would send with `rawBody` signed at `timestampSeconds`. */
  sign(rawBody: Uint8Array, options: { timestampSeconds: number }): Record<string, string>;
}

/**
 * HMAC-SHA256 of the body with no timestamp (`X-Hub-Signature-256: sha256=<hex>`, GitHub and the
 * WhatsApp Cloud API). Replays verify, so the suite checks that a redelivery yields the same
 * event ids (the hub drops it) and, with `deliveryHeaders`, that another delivery id does not.
 */
export interface HmacVerification {
  style: 'hmac';
  /** The app secret the suite signs with (through `@switchboard/signing`). */
  secret: string;
  /** Default `x-hub-signature-256`. */
  header?: string;
  /** Headers naming the delivery (e.g. `x-github-delivery`), sent with every signed request. */
  deliveryHeaders?(deliveryId: string): Record<string, string>;
}

export type WebhookVerification = TimestampedHmacVerification | HmacVerification;

/** A GET verification challenge (WhatsApp Cloud API `hub.challenge`, similar for others). */
export interface ChallengeVerification {
  /** The token configured in `validConfig`. */
  verifyToken: string;
  /** The query the platform sends to subscribe with `verifyToken` and `challenge`. */
  query(verifyToken: string, challenge: string): Record<string, string>;
}

export interface ConformanceWebhook {
  /** Every one must verify and parse; together they must yield at least one message. */
  fixtures: ConformanceFixture[];
  /** How POSTed events are signed; give either this or `sign`. */
  verification?: WebhookVerification;
  /** Shorthand for `verification: { style: 'timestamped-hmac', sign }`. */
  sign?(rawBody: Uint8Array, options: { timestampSeconds: number }): Record<string, string>;
  /** Present iff the platform verifies the webhook URL with a GET challenge. */
  challenge?: ChallengeVerification;
}

/** The declared verification style, with the `sign` shorthand resolved. */
export function verificationOf(webhook: ConformanceWebhook): WebhookVerification {
  if (webhook.verification) return webhook.verification;
  if (webhook.sign) return { style: 'timestamped-hmac', sign: webhook.sign };
  throw new Error('conformance webhook options need `verification` (or the `sign` shorthand)');
}
