import { PlatformError } from '@switchboard/core';
import type { FeishuApi } from './api.js';

/** Inbound media are read up to this size unless the caller asks for less. */
export const FEISHU_MAX_MEDIA_BYTES = 20 * 1024 * 1024;

export interface FeishuUpload {
  name: string;
  data: Uint8Array;
}

/**
 * A multipart body as a plain object: the SDK copies `data` with `Object.assign` (a `FormData`
 * would arrive empty), and axios turns a plain object into `multipart/form-data` by the header.
 */
function form(fields: Record<string, string>, file: FeishuUpload, field: string) {
  return {
    data: { ...fields, [field]: Buffer.from(file.data) },
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
  const content = media.kind === 'image' ? { image_key: media.imageKey } : { file_key: media.fileKey };
  const body = await api.call('im/v1 send', {
    method: 'POST',
    url: '/open-apis/im/v1/messages',
    params: { receive_id_type: chatId.startsWith('ou_') ? 'open_id' : 'chat_id' },
    data: { receive_id: chatId, msg_type: media.kind, content: JSON.stringify(content), uuid },
  });
  const id = body.data?.message_id;
  if (typeof id !== 'string' || id === '')
    throw new PlatformError('permanent', 'Feishu send answered without data.message_id');
  return id;
}

/**
 * The bytes of an inbound image or file, fetched only when asked (the message-resource API), and
 * refused above `maxBytes` before more than that is read.
 */
export async function downloadFeishuResource(
  api: FeishuApi,
  messageId: string,
  fileKey: string,
  type: 'image' | 'file',
  maxBytes = FEISHU_MAX_MEDIA_BYTES,
): Promise<Uint8Array> {
  try {
    const data = await api.client.request({
      method: 'GET',
      url: `/open-apis/im/v1/messages/${encodeURIComponent(messageId)}/resources/${encodeURIComponent(fileKey)}`,
      params: { type },
      responseType: 'arraybuffer',
      maxContentLength: maxBytes,
      timeout: 60_000,
    });
    return new Uint8Array(data as ArrayBuffer);
  } catch (error) {
    const message = (error as { message?: string }).message ?? '';
    if (/maxContentLength/i.test(message)) {
      throw new PlatformError('permanent', `Feishu resource ${fileKey} is larger than ${maxBytes} bytes`);
    }
    throw api.mapError('im/v1 resource', error);
  }
}
