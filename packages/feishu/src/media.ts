import { Readable } from 'node:stream';
import {
  type DownloadedMedia,
  MediaNotFoundError,
  type MediaRef,
  MediaTooLargeError,
  type OutboundMedia,
  PlatformError,
} from '@switchboard/core';
import type { FeishuApi } from './api.js';

/** Inbound media are read up to this size unless the caller asks for less. */
export const FEISHU_MAX_MEDIA_BYTES = 20 * 1024 * 1024;
/** Feishu's upload limits: images up to 10 MB, files up to 30 MB. */
export const FEISHU_MAX_IMAGE_UPLOAD_BYTES = 10 * 1024 * 1024;
export const FEISHU_MAX_FILE_UPLOAD_BYTES = 30 * 1024 * 1024;
/** What the message-resource API answers for a key that is not in the message ("File not in msg"). */
const RESOURCE_NOT_FOUND_CODES: ReadonlySet<number> = new Set([234003]);

export interface FeishuUpload {
  name: string;
  data: Uint8Array;
}

/**
 * A multipart body as a plain object: the SDK copies `data` with `Object.assign` (a `FormData`
 * would arrive empty), and axios turns a plain object into `multipart/form-data` by the header.
 * The file goes as a stream with a `path`, as the SDK's examples pass `fs.createReadStream`: a
 * bare Buffer would become a part without a filename, which servers read as a text field.
 */
function form(fields: Record<string, string>, file: FeishuUpload, field: string) {
  const stream = Object.assign(Readable.from([Buffer.from(file.data)]), { path: file.name });
  return {
    data: { ...fields, [field]: stream },
    headers: { 'Content-Type': 'multipart/form-data' },
  };
}

function key(body: Awaited<ReturnType<FeishuApi['call']>>, field: 'image_key' | 'file_key'): string {
  const value = body.data?.[field];
  if (typeof value !== 'string' || value === '')
    throw new PlatformError('permanent', `Feishu upload answered without ${field}`);
  return value;
}

/** `POST /open-apis/im/v1/images` (image_type=message) → the image key to send. */
export async function uploadFeishuImage(api: FeishuApi, image: FeishuUpload): Promise<string> {
  const body = await api.call('im/v1 images', {
    method: 'POST',
    url: '/open-apis/im/v1/images',
    ...form({ image_type: 'message' }, image, 'image'),
  });
  return key(body, 'image_key');
}

/** `POST /open-apis/im/v1/files` (file_type stream) → the file key to send. */
export async function uploadFeishuFile(api: FeishuApi, file: FeishuUpload): Promise<string> {
  const body = await api.call('im/v1 files', {
    method: 'POST',
    url: '/open-apis/im/v1/files',
    ...form({ file_type: 'stream', file_name: file.name }, file, 'file'),
  });
  return key(body, 'file_key');
}

/** Sends an uploaded image or file to a chat; the `uuid` makes a retry post nothing twice. */
export async function sendFeishuMedia(
  api: FeishuApi,
  chatId: string,
  media: { kind: 'image'; imageKey: string } | { kind: 'file'; fileKey: string },
  uuid: string,
): Promise<string> {
  const body = await api.call('im/v1 send', {
    method: 'POST',
    url: '/open-apis/im/v1/messages',
    params: { receive_id_type: chatId.startsWith('ou_') ? 'open_id' : 'chat_id' },
    data: { receive_id: chatId, ...feishuMediaPayload(media), uuid },
  });
  const id = body.data?.message_id;
  if (typeof id !== 'string' || id === '')
    throw new PlatformError('permanent', 'Feishu send answered without data.message_id');
  return id;
}

/** The `msg_type` and `content` of a message showing an uploaded image or file. */
export function feishuMediaPayload(
  media: { kind: 'image'; imageKey: string } | { kind: 'file'; fileKey: string },
): { msg_type: string; content: string } {
  return media.kind === 'image'
    ? { msg_type: 'image', content: JSON.stringify({ image_key: media.imageKey }) }
    : { msg_type: 'file', content: JSON.stringify({ file_key: media.fileKey }) };
}

/**
 * Uploads outbound media and answers what to send. Images go as images; files, audio and video
 * go as files (Feishu's audio and video messages need opus / mp4 with a cover, which arbitrary
 * media are not). A `url` is fetched first with the hub's egress-checked `fetch`.
 */
export async function uploadOutboundMedia(
  api: FeishuApi,
  media: OutboundMedia,
  fetch: typeof globalThis.fetch,
): Promise<{ kind: 'image'; imageKey: string } | { kind: 'file'; fileKey: string }> {
  const image = media.kind === 'image';
  const cap = image ? FEISHU_MAX_IMAGE_UPLOAD_BYTES : FEISHU_MAX_FILE_UPLOAD_BYTES;
  const source =
    media.url !== undefined
      ? await fetchMediaUrl(fetch, media.url, cap)
      : { bytes: new Uint8Array(Buffer.from(media.data ?? '', 'base64')), name: undefined };
  if (source.bytes.byteLength > cap) throw new MediaTooLargeError(cap, source.bytes.byteLength);
  const name = media.name ?? source.name ?? (image ? 'image' : 'file');
  return image
    ? { kind: 'image', imageKey: await uploadFeishuImage(api, { name, data: source.bytes }) }
    : { kind: 'file', fileKey: await uploadFeishuFile(api, { name, data: source.bytes }) };
}

/**
 * The body of a media URL an agent named, read up to `maxBytes`. `fetch` is the hub's, so the
 * connection goes only where the egress policy allows (a private address is refused).
 */
export async function fetchMediaUrl(
  fetch: typeof globalThis.fetch,
  url: string,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; name: string | undefined }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (cause) {
    const refused = egressRefusal(cause);
    throw new PlatformError(
      refused ? 'permanent' : 'transient',
      `media URL could not be fetched: ${refused?.message ?? (cause as Error).message}`,
      { cause, ...(refused ? { platformCode: 'egress_refused' } : {}) },
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new PlatformError(
      res.status >= 500 ? 'transient' : 'permanent',
      `media URL answered HTTP ${res.status}`,
      {
        status: res.status,
      },
    );
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new MediaTooLargeError(maxBytes, declared);
  }
  const bytes = res.body
    ? await readCapped(res.body as unknown as AsyncIterable<Uint8Array>, maxBytes)
    : new Uint8Array();
  const last = new URL(url).pathname.split('/').pop();
  return { bytes, name: last ? decodeURIComponent(last) : undefined };
}

/** The egress policy's refusal (code `egress_refused`) somewhere in an error's causes. */
function egressRefusal(error: unknown): Error | undefined {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    if ((cause as { code?: unknown }).code === 'egress_refused') return cause as Error;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Reads chunks until the end, or refuses as soon as more than `maxBytes` arrived. */
async function readCapped(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      (chunks as Partial<Readable>).destroy?.();
      throw new MediaTooLargeError(maxBytes);
    }
    parts.push(chunk);
  }
  return new Uint8Array(Buffer.concat(parts, total));
}

/** A Feishu error body that came back as a stream (the resource API answers JSON on failure). */
async function errorCode(data: unknown): Promise<number | undefined> {
  try {
    const text =
      data && typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
        ? Buffer.from(await readCapped(data as AsyncIterable<Uint8Array>, 64 * 1024)).toString('utf8')
        : '';
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The bytes of an inbound image or file, fetched only when asked (the message-resource API),
 * streamed and refused with `MediaTooLargeError` as soon as more than `maxBytes` arrived.
 */
export async function downloadFeishuResource(
  api: FeishuApi,
  messageId: string,
  fileKey: string,
  type: 'image' | 'file',
  maxBytes = FEISHU_MAX_MEDIA_BYTES,
): Promise<DownloadedMedia> {
  let headers: Record<string, unknown> = {};
  let stream: AsyncIterable<Uint8Array>;
  try {
    stream = (await api.client.request({
      method: 'GET',
      url: `/open-apis/im/v1/messages/${encodeURIComponent(messageId)}/resources/${encodeURIComponent(fileKey)}`,
      params: { type },
      responseType: 'stream',
      // The SDK's HTTP instance answers bodies only; the headers are caught on the way.
      transformResponse: [
        (data: unknown, received: unknown) => {
          headers = toHeaderRecord(received);
          return data;
        },
      ],
      timeout: 60_000,
    })) as AsyncIterable<Uint8Array>;
  } catch (error) {
    const failure = error as { response?: { status?: number; data?: unknown } };
    const code = await errorCode(failure.response?.data);
    if (failure.response?.status === 404 || (code !== undefined && RESOURCE_NOT_FOUND_CODES.has(code))) {
      throw new MediaNotFoundError(`Feishu has no resource ${fileKey} in message ${messageId}`, {
        cause: error,
      });
    }
    throw api.mapError(
      'im/v1 resource',
      code === undefined ? error : { response: { ...failure.response, data: { code } } },
    );
  }
  const declared = Number(headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    (stream as Partial<Readable>).destroy?.();
    throw new MediaTooLargeError(maxBytes, declared);
  }
  const bytes = await readCapped(stream, maxBytes);
  const mimeType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
  const name = fileNameOf(headers['content-disposition']);
  return { bytes, ...(mimeType ? { mimeType } : {}), ...(name ? { name } : {}) };
}

/** The media of an inbound `MediaRef`: images by `type=image`, everything else by `type=file`. */
export async function downloadFeishuMedia(
  api: FeishuApi,
  ref: MediaRef,
  maxBytes: number,
): Promise<DownloadedMedia> {
  if (!ref.messageId) {
    throw new MediaNotFoundError('a Feishu media ref needs the message id it came in');
  }
  return downloadFeishuResource(
    api,
    ref.messageId,
    ref.id,
    ref.kind === 'image' ? 'image' : 'file',
    maxBytes,
  );
}

function toHeaderRecord(received: unknown): Record<string, unknown> {
  if (!received || typeof received !== 'object') return {};
  const json = (received as { toJSON?: () => Record<string, unknown> }).toJSON;
  return typeof json === 'function' ? json.call(received) : (received as Record<string, unknown>);
}

/** `attachment; filename="a.pdf"` → `a.pdf`. */
function fileNameOf(disposition: unknown): string | undefined {
  if (typeof disposition !== 'string') return undefined;
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
