import type { WebhookRequest } from '@switchboard/core';
import { signTimestamped, slackScheme } from '@switchboard/signing';

/** A type (not an interface) so it spreads into and assigns to `WebhookRequest['headers']`. */
export type SlackSignatureHeaders = {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
};

/**
 * The headers Slack sends with an Events API post: `x-slack-signature: v0=<hex HMAC-SHA256 of
 * "v0:<timestamp>:<raw body>">`, keyed with the app's signing secret. Computed over bytes.
 */
export function signSlackRequest(
  secret: string,
  rawBody: string | Uint8Array,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const { timestamp, signature } = signTimestamped(secret, slackScheme, timestampSeconds, rawBody);
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature };
}

export interface SignedSlackRequestOptions {
  signingSecret: string;
  /** A string or bytes are sent as is (byte-exact); anything else is JSON-encoded. */
  body: unknown;
  receivedAt?: Date;
  /** Defaults to the receive time, i.e. a fresh request. */
  timestampSeconds?: number;
  path?: string;
}

/** A `WebhookRequest` as the hub would build it for a correctly signed Events API post. */
export function createSignedSlackRequest(options: SignedSlackRequestOptions): WebhookRequest {
  const receivedAt = options.receivedAt ?? new Date();
  const rawBody =
    options.body instanceof Uint8Array
      ? options.body
      : new TextEncoder().encode(
          typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
        );
  const timestamp = options.timestampSeconds ?? Math.floor(receivedAt.getTime() / 1000);
  return {
    method: 'POST',
    path: options.path ?? '/webhooks/slack',
    headers: {
      'content-type': 'application/json',
      ...signSlackRequest(options.signingSecret, rawBody, timestamp),
    },
    query: {},
    rawBody,
    receivedAt,
  };
}
