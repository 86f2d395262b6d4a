import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SIGNATURE_HEADER, sign } from './signature.js';

/**
 * An attachment to send: exactly one of `url` (the hub fetches it, within its egress policy) and
 * `data` (base64, at most 10 MiB decoded). Only channels with the media capability send it.
 */
export interface MediaContent {
  kind: 'image' | 'file' | 'audio' | 'video';
  url?: string;
  data?: string;
  name?: string;
  mimeType?: string;
  caption?: string;
}

/** What a message says: text, a platform card (Slack blocks…), media, or several of them. */
export interface MessageContent {
  text?: string;
  card?: Record<string, unknown>;
  media?: MediaContent;
}

/** A plain string is `{ text }`. */
export type Content = string | MessageContent;

/** Where in the chat a message goes: into a thread, or as a reply to one message. */
export interface ReplyPlacement {
  threadId?: string;
  replyToMessageId?: string;
}

export interface SendRequest extends MessageContent {
  installationId: string;
  chatId: string;
  reply?: ReplyPlacement;
  /**
   * The hub sends one message per key and installation, however often it is asked. Defaults to
   * a fresh random key; pass a stable one when the call itself may be retried.
   */
  idempotencyKey?: string;
  /** The `id` of an earlier message of this installation: edit it instead of posting. */
  updateOf?: string;
}

/** The hub's answer: the message is queued (sent with retries); `created: false` for a repeated key. */
export interface SentMessage {
  id: string;
  status: string;
  created: boolean;
}

export interface HubClientOptions {
  /** The hub's base URL, e.g. `https://hub.example.com`. */
  hubUrl: string;
  /** The agent's delivery secret: requests are signed with it like deliveries. */
  secret: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  now?: () => number;
}

/** Which inbound media to fetch: `message.media[index]` of the delivery `deliveryId`. */
export interface MediaDownloadRequest {
  installationId: string;
  deliveryId: string;
  index: number;
  /** Refuse (413 `media_too_large`) media larger than this; the hub caps it at 25 MiB. */
  maxBytes?: number;
}

export interface DownloadedMedia {
  bytes: Uint8Array;
  mimeType: string;
  name?: string;
}

export interface HubClient {
  send(request: SendRequest): Promise<SentMessage>;
  /** The bytes of inbound media, read from the platform now (`GET …/deliveries/:id/media/:index`). */
  downloadMedia(request: MediaDownloadRequest): Promise<DownloadedMedia>;
}

/** The hub refused a request or could not be reached; `status` is absent when nothing answered. */
export class HubRequestError extends Error {
  override readonly name = 'HubRequestError';
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

const sentSchema = z.object({ id: z.string(), status: z.string(), created: z.boolean() }).loose();
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }).loose() }).loose();

export function toContent(content: Content): MessageContent {
  const value = typeof content === 'string' ? { text: content } : content;
  const text = value.text === '' ? undefined : value.text;
  if (text === undefined && value.card === undefined && value.media === undefined) {
    throw new TypeError('a message needs text, a card or media');
  }
  return {
    ...(text !== undefined ? { text } : {}),
    ...(value.card !== undefined ? { card: value.card } : {}),
    ...(value.media !== undefined ? { media: value.media } : {}),
  };
}

/** Calls the hub's outbound API (`POST /api/v1/installations/:id/messages`), signed. */
export function createHubClient(options: HubClientOptions): HubClient {
  const base = options.hubUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const refusal = async (response: Response): Promise<HubRequestError> => {
    const envelope = errorSchema.safeParse(safeJson(await response.text().catch(() => '')));
    const detail = envelope.success ? envelope.data.error : undefined;
    return new HubRequestError(
      `hub answered HTTP ${response.status}${detail ? `: ${detail.message}` : ''}`,
      response.status,
      detail?.code,
    );
  };
  return {
    async downloadMedia(request) {
      const path =
        `/api/v1/installations/${encodeURIComponent(request.installationId)}` +
        `/deliveries/${encodeURIComponent(request.deliveryId)}/media/${request.index}` +
        (request.maxBytes !== undefined ? `?maxBytes=${request.maxBytes}` : '');
      let response: Response;
      try {
        // A GET has no body: the signature covers the request line, so it is good for this URL only.
        response = await doFetch(`${base}${path}`, {
          headers: { [SIGNATURE_HEADER]: sign(options.secret, `GET ${path}`, now()) },
          signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        });
      } catch (error) {
        throw new HubRequestError(`hub unreachable at ${base}: ${(error as Error).message}`);
      }
      if (!response.ok) throw await refusal(response);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const name = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get('content-disposition') ?? '')?.[1];
      return {
        bytes,
        mimeType: response.headers.get('content-type') ?? 'application/octet-stream',
        ...(name ? { name: decodeURIComponent(name) } : {}),
      };
    },
    async send(request) {
      const content = toContent(request);
      const body = JSON.stringify({
        target: { chatId: request.chatId, ...(request.reply ? { reply: request.reply } : {}) },
        ...content,
        idempotencyKey: request.idempotencyKey ?? randomUUID(),
        ...(request.updateOf ? { updateOf: request.updateOf } : {}),
      });
      const url = `${base}/api/v1/installations/${encodeURIComponent(request.installationId)}/messages`;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: sign(options.secret, body, now()),
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new HubRequestError(`hub unreachable at ${base}: ${(error as Error).message}`);
      }
      const text = await response.text().catch(() => '');
      const json = safeJson(text);
      if (!response.ok) {
        const envelope = errorSchema.safeParse(json);
        const detail = envelope.success ? envelope.data.error : undefined;
        throw new HubRequestError(
          `hub answered HTTP ${response.status}${detail ? `: ${detail.message}` : ''}`,
          response.status,
          detail?.code,
        );
      }
      const sent = sentSchema.safeParse(json);
      if (!sent.success) throw new HubRequestError('hub answered an unexpected body', response.status);
      return { id: sent.data.id, status: sent.data.status, created: sent.data.created };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
