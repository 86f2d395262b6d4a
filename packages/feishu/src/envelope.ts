import { MalformedPayloadError } from '@switchboard/core';
import { decryptFeishuPayload } from './decrypt.js';

/** The v2 header every event carries (`schema: "2.0"`). */
export interface FeishuEventHeader {
  event_id: string;
  event_type: string;
  create_time?: string;
  token?: string;
  app_id?: string;
  tenant_key?: string;
}

/** What an inbound body turned out to be, v1 events already lifted to the v2 shape. */
export type FeishuEnvelope =
  | { kind: 'challenge'; challenge: string; token?: string }
  | { kind: 'event'; version: 1 | 2; header: FeishuEventHeader; event: Record<string, unknown> };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** Parses JSON text into an object, or throws `MalformedPayloadError`. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedPayloadError(`${what} is not JSON`, { cause: error });
  }
  if (!isObject(value)) throw new MalformedPayloadError(`${what} is not a JSON object`);
  return value;
}

/**
 * The body as JSON, decrypted when it is `{ "encrypt": … }`. With an encrypt key configured an
 * unencrypted body is refused: Feishu encrypts every push then, so a plain one is not from Feishu.
 */
export function decodeFeishuBody(
  rawBody: Uint8Array,
  encryptKey: string | undefined,
): Record<string, unknown> {
  const outer = parseJsonObject(Buffer.from(rawBody).toString('utf8'), 'body');
  const encrypted = outer.encrypt;
  if (encryptKey === undefined) {
    if (encrypted !== undefined)
      throw new MalformedPayloadError('body is encrypted but no encrypt_key is set');
    return outer;
  }
  if (typeof encrypted !== 'string') {
    throw new MalformedPayloadError('body is not encrypted although an encrypt_key is set');
  }
  return parseJsonObject(decryptFeishuPayload(encrypted, encryptKey), 'decrypted body');
}

/** A decoded body → challenge or event (v2 as it is, v1 lifted); throws on another shape. */
export function readFeishuEnvelope(body: Record<string, unknown>): FeishuEnvelope {
  if (body.type === 'url_verification') {
    const challenge = str(body.challenge);
    if (!challenge) throw new MalformedPayloadError('url_verification without a challenge');
    return { kind: 'challenge', challenge, ...(str(body.token) ? { token: str(body.token) } : {}) };
  }
  if (body.schema === '2.0') {
    const header = body.header;
    if (!isObject(header) || !str(header.event_id) || !str(header.event_type)) {
      throw new MalformedPayloadError('v2 event without header.event_id and header.event_type');
    }
    const event = isObject(body.event) ? body.event : {};
    return { kind: 'event', version: 2, header: header as unknown as FeishuEventHeader, event };
  }
  if (body.type === 'event_callback') {
    const event = body.event;
    const uuid = str(body.uuid);
    if (!uuid || !isObject(event) || !str(event.type)) {
      throw new MalformedPayloadError('v1 event without uuid and event.type');
    }
    const ts = str(body.ts);
    const seconds = ts ? Number(ts) : Number.NaN;
    return {
      kind: 'event',
      version: 1,
      header: {
        event_id: uuid,
        event_type: event.type as string,
        ...(Number.isFinite(seconds) ? { create_time: String(Math.round(seconds * 1000)) } : {}),
        ...(str(body.token) ? { token: str(body.token) } : {}),
        ...(str(event.app_id) ? { app_id: str(event.app_id) } : {}),
        ...(str(event.tenant_key) ? { tenant_key: str(event.tenant_key) } : {}),
      },
      event,
    };
  }
  throw new MalformedPayloadError('body is neither a url_verification nor a v1 or v2 event');
}

/** The verification token a decoded body carries (v2 `header.token`, v1 and challenge `token`). */
export function bodyToken(body: Record<string, unknown>): string | undefined {
  if (isObject(body.header)) return str(body.header.token);
  return str(body.token);
}
