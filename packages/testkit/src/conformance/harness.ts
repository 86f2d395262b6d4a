import {
  type Channel,
  type ChannelContext,
  type InboundEvent,
  noopLogger,
  validateConfig,
  type WebhookRequest,
} from '@switchboard/core';
import type { ChannelConformanceOptions } from './options.js';

export const CONFORMANCE_INSTALLATION_ID = 'conformance-installation';

/** A channel built the way the hub builds one: validated config, then the factory. */
export function createChannelUnderTest<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
  apiBaseUrl?: string,
): Channel {
  const input = apiBaseUrl ? { ...options.validConfig, api_base_url: apiBaseUrl } : options.validConfig;
  const config = validateConfig(options.factory, input);
  return options.factory.create(config, { installationId: CONFORMANCE_INSTALLATION_ID, logger: noopLogger });
}

export interface RecordingContext extends ChannelContext {
  emitted: InboundEvent[];
  lost: Error[];
}

/** A context whose `emit` records and resolves at once, and which records lost connections. */
export function recordingContext(signal: AbortSignal = new AbortController().signal): RecordingContext {
  const emitted: InboundEvent[] = [];
  const lost: Error[] = [];
  return {
    installationId: CONFORMANCE_INSTALLATION_ID,
    workspaceId: 'conformance-workspace',
    logger: noopLogger,
    signal,
    emitted,
    lost,
    emit: async (event) => {
      emitted.push(event);
    },
    reportConnectionLost: (error) => {
      lost.push(error);
    },
  };
}

export function toBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

/** A `WebhookRequest` as the hub builds it from an HTTP post. */
export function webhookRequest(
  type: string,
  rawBody: Uint8Array,
  headers: WebhookRequest['headers'],
  receivedAt: Date,
): WebhookRequest {
  return {
    method: 'POST',
    path: `/webhooks/${type}`,
    headers: { 'content-type': 'application/json', ...headers },
    query: {},
    rawBody,
    receivedAt,
  };
}
