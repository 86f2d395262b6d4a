import { PlatformError } from '@switchboard/core';
import { z } from 'zod';
import { type GraphClient, readCapped } from './graph-client.js';

const mediaInfoSchema = z.object({
  url: z.url(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  file_size: z.coerce.number().int().min(0).optional(),
});

export interface DownloadedMedia {
  bytes: Uint8Array;
  mimeType?: string;
}

/**
 * A received media id's bytes: `GET /{version}/{media-id}` gives a short-lived URL (about five
 * minutes), fetched at once with the same bearer. Larger than `maxBytes` is refused, declared or
 * not; an unknown id is a `not_found` PlatformError.
 */
export async function downloadWhatsAppMedia(
  graph: GraphClient,
  mediaId: string,
  maxBytes: number,
): Promise<DownloadedMedia> {
  const info = mediaInfoSchema.safeParse(await graph.json('GET', encodeURIComponent(mediaId)));
  if (!info.success) throw new PlatformError('permanent', 'the media endpoint answered without a URL');
  if (info.data.file_size !== undefined && info.data.file_size > maxBytes) {
    throw new PlatformError(
      'permanent',
      `media of ${info.data.file_size} bytes exceeds the ${maxBytes}-byte cap`,
    );
  }
  const res = await graph.request(info.data.url, { method: 'GET' });
  const bytes = await readCapped(res, maxBytes);
  const mimeType = info.data.mime_type ?? res.headers.get('content-type') ?? undefined;
  return { bytes, ...(mimeType ? { mimeType } : {}) };
}
