import { Capability, has, MAX_OUTBOUND_MEDIA_BYTES, outboundMediaSchema } from '@switchboard/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ChannelHost } from '../channels/host.js';
import type { EgressPolicy } from '../egress/index.js';
import { ApiError, badRequest } from '../http/errors.js';
import type { Pipeline } from '../pipeline/index.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { idempotencyKeyHeaders, withIdempotencyKey } from './idempotency-key.js';
import { authorizeInstallationCaller } from './installation-caller.js';
import { outboundMessageSchema, outboundQueuedSchema } from './responses.js';
import { routeDocs } from './route-docs.js';

const outboundBody = z
  .object({
    target: z.object({
      chatId: z.string().min(1).max(256),
      reply: z
        .object({ replyToMessageId: z.string().min(1).optional(), threadId: z.string().min(1).optional() })
        .optional(),
    }),
    text: z.string().min(1).max(40_000).optional(),
    card: z.record(z.string(), z.unknown()).optional(),
    media: outboundMediaSchema
      .optional()
      .describe(
        `An image, file, audio or video: \`url\` (fetched under the egress policy) or \`data\` (base64, at most ${MAX_OUTBOUND_MEDIA_BYTES} bytes decoded); channels without the media capability answer 422 media_unsupported`,
      ),
    idempotencyKey: z.string().min(1).max(128),
    /** The id of an earlier outbound message of this installation to edit instead of posting. */
    updateOf: z.string().uuid().optional(),
  })
  .refine((body) => body.text !== undefined || body.card !== undefined || body.media !== undefined, {
    message: 'an outbound message needs text, a card or media',
    path: ['text'],
  });

/**
 * The send route's body limit: the largest media `data` as base64 (4/3 of the bytes) with room
 * for the rest of the message (text up to 40,000 characters, a card).
 */
export const OUTBOUND_BODY_LIMIT_BYTES = Math.ceil((MAX_OUTBOUND_MEDIA_BYTES * 4) / 3) + 1024 * 1024;

/** Whether the installation's channel (running, else its type) declares `Media`. */
async function sendsMedia(channels: ChannelHost, runtime: HubRuntime, installationId: string, type: string) {
  const lookup = await channels.lookup(installationId);
  if (lookup.status === 'active') return has(lookup.installation.channel.capabilities(), Capability.Media);
  try {
    return has(runtime.registry.get(type).capabilities ?? 0, Capability.Media);
  } catch {
    return false;
  }
}

const params = z.object({ id: z.string().uuid() });
const messageParams = z.object({ id: z.string().uuid(), messageId: z.string().uuid() });

export interface OutboundRouteOptions {
  runtime: HubRuntime;
  pipeline: Pipeline;
  /** Media URLs are judged as written before they are queued (the send checks each connection). */
  egress: EgressPolicy;
}

/**
 * The agent's way back to the chat. Callers are the installation's agent (requests signed with
 * its delivery secret, like deliveries) or a workspace admin with a bearer token.
 */
export const outboundRoutes: FastifyPluginAsync<OutboundRouteOptions> = async (
  app,
  { runtime, pipeline, egress },
) => {
  const authorizedInstallation = (request: FastifyRequest, installationId: string) =>
    authorizeInstallationCaller(runtime, pipeline.channels, request, installationId);

  app.post<{ Params: { id: string } }>(
    '/api/v1/installations/:id/messages',
    {
      bodyLimit: OUTBOUND_BODY_LIMIT_BYTES,
      schema: routeDocs({
        operationId: 'sendMessage',
        tags: ['outbound'],
        summary:
          'Send (or edit) a message through the installation; idempotent on idempotencyKey (body ' +
          'field or Idempotency-Key header). Bearer token, or signed with the agent delivery secret',
        params,
        headers: idempotencyKeyHeaders,
        body: outboundBody,
        responses: { 202: outboundQueuedSchema },
        errors: [422],
      }),
    },
    async (request, reply) => {
      const { id } = params.parse(request.params);
      const installation = await authorizedInstallation(request, id);
      const body = outboundBody.parse(withIdempotencyKey(request));
      if (body.media) {
        if (!(await sendsMedia(pipeline.channels, runtime, installation.id, installation.channelType))) {
          throw new ApiError(
            422,
            'media_unsupported',
            `${installation.channelType} channels cannot send media`,
          );
        }
        if (body.updateOf) throw new ApiError(422, 'media_unsupported', 'an edit cannot change media');
        const verdict =
          body.media.url !== undefined ? egress.checkUrl(body.media.url) : { ok: true as const };
        if (!verdict.ok) throw new ApiError(422, 'media_url_refused', verdict.error.message);
      }
      if (body.updateOf) {
        // Only a message of this installation can be edited through it.
        await runtime.stores.outbound.get(installation.id, body.updateOf).catch(() => {
          throw badRequest('unknown_message', 'updateOf does not name a message of this installation');
        });
      }
      const queued = await pipeline.outbound.enqueue({
        installation,
        chatId: body.target.chatId,
        message: {
          ...(body.text !== undefined ? { text: body.text } : {}),
          ...(body.card !== undefined ? { card: body.card } : {}),
          ...(body.media !== undefined ? { media: body.media } : {}),
          ...(body.target.reply ? { reply: body.target.reply } : {}),
        },
        idempotencyKey: body.idempotencyKey,
        ...(body.updateOf ? { updateOfId: body.updateOf } : {}),
      });
      return reply
        .code(202)
        .send({ id: queued.record.id, status: queued.record.status, created: queued.created });
    },
  );

  app.get<{ Params: { id: string; messageId: string } }>(
    '/api/v1/installations/:id/messages/:messageId',
    {
      schema: routeDocs({
        operationId: 'getMessage',
        tags: ['outbound'],
        summary: 'Status of an outbound message',
        params: messageParams,
        responses: { 200: outboundMessageSchema },
      }),
    },
    async (request) => {
      const { id, messageId } = messageParams.parse(request.params);
      const installation = await authorizedInstallation(request, id);
      const record = await runtime.stores.outbound.get(installation.id, messageId);
      return {
        ...record,
        createdAt: record.createdAt.toISOString(),
        sentAt: record.sentAt?.toISOString() ?? null,
      };
    },
  );
};
