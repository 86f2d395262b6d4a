import {
  type DownloadedMedia,
  MediaNotFoundError,
  type MediaRef,
  MediaTooLargeError,
  PlatformError,
} from '@switchboard/core';
import { z } from 'zod';
import { type GraphClient, readCapped } from './graph-client.js';

const mediaInfoSchema = z.object({
  url: z.url(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  file_size: z.coerce.number().int().min(0).optional(),
});

export type { DownloadedMedia };

/** A Graph `not_found` (an unknown or expired media id, a download URL gone) as core's error. */
async function notFoundAsMedia<T>(call: Promise<T>, mediaId: string): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof PlatformError && error.kind === 'not_found') {
      throw new MediaNotFoundError(`WhatsApp has no media ${mediaId}`, { cause: error });
    }
    throw error;
  }
}

/**
 * A received media id's bytes: `GET /{version}/{media-id}` gives a short-lived URL (about five
 * minutes), fetched at once with the same bearer. Larger than `maxBytes` is refused
 * (`MediaTooLargeError`), declared or not, before more than that is read; an unknown id is
 * `MediaNotFoundError`.
 */
export async function downloadWhatsAppMedia(
  graph: GraphClient,
  mediaId: string,
  maxBytes: number,
): Promise<DownloadedMedia> {
  const answer = await notFoundAsMedia(graph.json('GET', encodeURIComponent(mediaId)), mediaId);
  const info = mediaInfoSchema.safeParse(answer);
  if (!info.success) throw new PlatformError('permanent', 'the media endpoint answered without a URL');
  if (info.data.file_size !== undefined && info.data.file_size > maxBytes) {
    throw new MediaTooLargeError(maxBytes, info.data.file_size);
  }
  const res = await notFoundAsMedia(graph.request(info.data.url, { method: 'GET' }), mediaId);
  const bytes = await readCapped(res, maxBytes, (declared) => new MediaTooLargeError(maxBytes, declared));
  const mimeType = info.data.mime_type ?? res.headers.get('content-type') ?? undefined;
  return { bytes, ...(mimeType ? { mimeType } : {}) };
}

/** `Channel.downloadMedia`: the ref's `id` is the media id; the name travels on the ref. */
export async function downloadWhatsAppRef(
  graph: GraphClient,
  ref: MediaRef,
  maxBytes: number,
): Promise<DownloadedMedia> {
  const media = await downloadWhatsAppMedia(graph, ref.id, maxBytes);
  return { ...media, ...(ref.name ? { name: ref.name } : {}) };
}
