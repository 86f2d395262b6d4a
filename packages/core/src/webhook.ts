import type { InboundEvent } from './envelope/events.js';

/** One HTTP request as the hub received it, before anything interpreted the body. */
export interface WebhookRequest {
  method: string;
  path: string;
  /** Lower-case names; a header sent more than once arrives as an array. */
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  /** The exact bytes received. Signatures are verified over these, never over a re-serialization. */
  rawBody: Uint8Array;
  receivedAt: Date;
}

/**
 * The single value of a header, or undefined when it is missing or repeated. A repeated
 * signature header is ambiguous (which copy was signed?), so callers must treat it as absent.
 * A one-element array (as `headersDistinct` produces) is a single value.
 */
export function header(req: Pick<WebhookRequest, 'headers'>, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

export type VerifyFailureReason = 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'bad_token';

export type VerifyResult =
  | { ok: true }
  | {
      ok: false;
      reason: VerifyFailureReason;
      message: string;
      /**
       * The HTTP status the platform expects for this refusal (e.g. 403 for a failed
       * subscription check). The hub answers 401 when it is absent; it honours 401 and 403.
       */
      status?: number;
    };

/** A response the hub sends instead of its own acknowledgement (e.g. a URL-verification challenge). */
export interface WebhookResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ParseResult {
  response?: WebhookResponse;
  events: InboundEvent[];
}

export interface WebhookHandler {
  /** Must never throw, whatever the headers contain; a failure is a `VerifyResult`. */
  verify(req: WebhookRequest): VerifyResult;
  /** Called only after `verify` succeeded; throws `MalformedPayloadError` on bad JSON or shape. */
  parse(req: WebhookRequest): ParseResult;
}
