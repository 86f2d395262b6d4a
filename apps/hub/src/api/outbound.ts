import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../http/errors.js';
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
    idempotencyKey: z.string().min(1).max(128),
    /** The id of an earlier outbound message of this installation to edit instead of posting. */
    updateOf: z.string().uuid().optional(),
  })
  .refine((body) => body.text !== undefined || body.card !== undefined, {
    message: 'an outbound message needs text or a card',
    path: ['text'],
  });

const params = z.object({ id: z.string().uuid() });
const messageParams = z.object({ id: z.string().uuid(), messageId: z.string().uuid() });

export interface OutboundRouteOptions {
  runtime: HubRuntime;
  pipeline: Pipeline;
}

/**
 * The agent's way back to the chat. Callers are the installation's agent (requests signed with
 * its delivery secret, like deliveries) or a workspace admin with a bearer token.
 */
export const outboundRoutes: FastifyPluginAsync<OutboundRouteOptions> = async (
  app,
  { runtime, pipeline },
) => {
  const authorizedInstallation = (request: FastifyRequest, installationId: string) =>
    authorizeInstallationCaller(runtime, pipeline.channels, request, installationId);

  app.post<{ Params: { id: string } }>(
    '/api/v1/installations/:id/messages',
    {
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
      }),
    },
    async (request, reply) => {
      const { id } = params.parse(request.params);
      const installation = await authorizedInstallation(request, id);
      const body = outboundBody.parse(withIdempotencyKey(request));
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
