import {
  type InboundEvent,
  MediaNotFoundError,
  type MediaRef,
  MediaTooLargeError,
  PlatformError,
} from '@switchboard/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../http/errors.js';
import { reportRefusedCredentials } from '../pipeline/credentials-refused.js';
import type { Pipeline } from '../pipeline/index.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { authorizeInstallationCaller, signedRequestLine } from './installation-caller.js';
import { routeDocs } from './route-docs.js';

/** The most bytes the hub reads of one inbound media (an agent may ask for less). */
export const MAX_INBOUND_MEDIA_BYTES = 25 * 1024 * 1024;

const params = z.object({
  id: z.string().uuid(),
  deliveryId: z.string().uuid().describe('The `id` of the delivery the media came in'),
  index: z.coerce.number().int().min(0).max(99).describe('Position in `message.media`'),
});
const query = z.object({
  maxBytes: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_INBOUND_MEDIA_BYTES)
    .optional()
    .describe(`Refuse media larger than this (default and most ${MAX_INBOUND_MEDIA_BYTES})`),
});

export interface MediaRouteOptions {
  runtime: HubRuntime;
  pipeline: Pipeline;
  /** Told when the platform refused the installation's credentials (installation status). */
  onCredentialsRefused?(installationId: string, message: string): void;
}

/** The media refs of a recorded event, with the message they came in (for platforms that need it). */
function mediaOf(event: InboundEvent): MediaRef[] {
  const message =
    event.kind === 'message' ? event.message : event.kind === 'edit' ? event.edit.message : undefined;
  if (!message) return [];
  return (message.media ?? []).map((ref) => ({
    ...ref,
    messageId: ref.messageId ?? message.platformMessageId,
  }));
}

/** `attachment; filename*=UTF-8''…`: any name, quoted safely. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Inbound media, read from the platform only when an agent asks. The ref is never taken from the
 * caller: it comes from the event recorded under the delivery id, looked up within the
 * installation the caller is authorized for, so an agent reads only media of events it was sent.
 */
export const mediaRoutes: FastifyPluginAsync<MediaRouteOptions> = async (
  app,
  { runtime, pipeline, onCredentialsRefused },
) => {
  app.get<{ Params: { id: string; deliveryId: string; index: string } }>(
    '/api/v1/installations/:id/deliveries/:deliveryId/media/:index',
    {
      schema: routeDocs({
        operationId: 'downloadMedia',
        tags: ['inbound'],
        summary:
          'The bytes of media an inbound message carried (`message.media[index]` of the delivery), ' +
          'fetched from the platform now. Bearer token, or signed with the agent delivery secret ' +
          'over `GET <path and query>`',
        params,
        querystring: query,
        responses: {
          200: {
            description:
              'The media; `content-type` as the platform named it, `content-disposition` with its name when known',
            schema: z.string().describe('binary'),
            contentType: 'application/octet-stream',
          },
        },
        errors: [413, 422, 502],
      }),
    },
    async (request, reply) => {
      const { id, deliveryId, index } = params.parse(request.params);
      const installation = await authorizeInstallationCaller(
        runtime,
        pipeline.channels,
        request,
        id,
        signedRequestLine(request),
      );
      const { maxBytes = MAX_INBOUND_MEDIA_BYTES } = query.parse(request.query);
      const recorded = await runtime.stores.inbox.eventByDelivery(installation.id, deliveryId);
      const ref = recorded ? mediaOf(recorded.payload as InboundEvent)[index] : undefined;
      if (!ref)
        throw new ApiError(404, 'media_not_found', 'no such media in a delivery of this installation');
      const lookup = await pipeline.channels.lookup(installation.id);
      if (lookup.status !== 'active') {
        throw new ApiError(503, 'installation_unavailable', `the installation is ${lookup.status}`);
      }
      const { channel } = lookup.installation;
      if (!channel.downloadMedia) {
        throw new ApiError(
          422,
          'media_download_unsupported',
          `${channel.type} channels cannot download media`,
        );
      }
      let media: Awaited<ReturnType<NonNullable<typeof channel.downloadMedia>>>;
      try {
        media = await channel.downloadMedia(ref, { maxBytes });
      } catch (error) {
        if (error instanceof MediaNotFoundError) {
          throw new ApiError(404, 'media_not_found', 'the platform no longer has this media');
        }
        if (error instanceof MediaTooLargeError) {
          throw new ApiError(413, 'media_too_large', error.message, {
            maxBytes: error.maxBytes,
            ...(error.size !== undefined ? { size: error.size } : {}),
          });
        }
        request.log.warn({ err: error, installationId: installation.id }, 'media download failed');
        // An expired token shows here first when the agent reads media before anything is sent.
        reportRefusedCredentials({ onCredentialsRefused }, installation.id, error);
        const kind = error instanceof PlatformError ? error.kind : 'transient';
        throw new ApiError(502, 'platform_error', `the platform did not serve the media (${kind})`, { kind });
      }
      const name = media.name ?? ref.name;
      return reply
        .header('content-type', media.mimeType ?? ref.mimeType ?? 'application/octet-stream')
        .header('content-length', String(media.bytes.byteLength))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', name ? contentDisposition(name) : 'attachment')
        .send(Buffer.from(media.bytes.buffer, media.bytes.byteOffset, media.bytes.byteLength));
    },
  );
};
