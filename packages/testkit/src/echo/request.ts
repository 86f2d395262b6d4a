import type { WebhookRequest } from '@switchboard/core';
import { signEchoRequest } from './sign.js';

export interface SignedEchoRequestOptions {
  signingSecret: string;
  /** A string is sent as is (byte-exact); anything else is JSON-encoded. */
  body: unknown;
  receivedAt?: Date;
  /** Defaults to the receive time, i.e. a fresh request. */
  timestampSeconds?: number;
  path?: string;
}

/** A `WebhookRequest` as the hub would build it for a correctly signed post to the echo webhook. */
export function createSignedEchoRequest(options: SignedEchoRequestOptions): WebhookRequest {
  const receivedAt = options.receivedAt ?? new Date();
  const text = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const rawBody = new TextEncoder().encode(text);
  const timestamp = options.timestampSeconds ?? Math.floor(receivedAt.getTime() / 1000);
  return {
    method: 'POST',
    path: options.path ?? '/webhooks/echo',
    headers: {
      'content-type': 'application/json',
      ...signEchoRequest(options.signingSecret, rawBody, timestamp),
    },
    query: {},
    rawBody,
    receivedAt,
  };
}
