import { IdentityConflictError } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ChannelHost } from '../channels/host.js';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../http/errors.js';
import { type CountryCode, parsePhoneRegion } from '../identity/phone.js';
import { checkVerificationCode, issueVerificationCode } from '../identity/verification-codes.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { routeDocs } from './route-docs.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const memberParams = z.object({ ws: z.string(), userId: z.string().uuid() });
const startBody = z.object({
  namespace: z.string().min(1).max(100),
  identifier: z.string().min(1).max(512),
  /** The installation whose channel carries the code (it must reach the identity). */
  installationId: z.string().uuid(),
});
const confirmBody = z.object({
  namespace: z.string().min(1).max(100),
  identifier: z.string().min(1).max(512),
  code: z.string().regex(/^\s*\d{6}\s*$/, { message: 'the code has 6 digits' }),
});

export const verificationStartedSchema = z.object({
  outcome: z.literal('code_sent'),
  verificationId: z.string().uuid(),
  expiresAt: z.string(),
});
export const verificationRefusedSchema = z.object({
  outcome: z.enum([
    'invalid_phone',
    'invalid_identifier',
    'unknown_namespace',
    'not_linked',
    'unreachable',
    'wrong_code',
    'no_code',
  ]),
  message: z.string(),
});
export const verificationDoneSchema = z.object({
  outcome: z.literal('verified'),
  identities: z.array(z.object({ namespace: z.string(), identifier: z.string(), status: z.string() })),
});

export interface IdentityVerificationRoutesOptions {
  runtime: HubRuntime;
  channels: ChannelHost;
  phoneRegion?: CountryCode;
}

const CODE_TEXT = (code: string) =>
  `Your Switchboard verification code is ${code}. It expires in 10 minutes. If you did not ask for it, ignore this message.`;

/**
 * Proving an identity an admin linked (a phone): the hub sends a one-time code to it over a
 * channel that can reach it (`Channel.verificationChatId`), and the member, signed in, enters it.
 * The identity (and what it implies, a phone's JIDs) is then recorded as the member's own
 * (`self`, hub-wide), which channels with `provenIdentitiesOnly` trust to route messages.
 */
export const identityVerificationRoutes: FastifyPluginAsync<IdentityVerificationRoutesOptions> = async (
  app,
  options,
) => {
  const { runtime, channels } = options;
  const { stores } = runtime;
  const phoneRegion = options.phoneRegion ?? parsePhoneRegion(process.env.SWITCHBOARD_PHONE_REGION);
  const normalize = (namespace: string, identifier: string) =>
    runtime.namespaces.normalize(namespace, identifier, phoneRegion ? { phoneRegion } : {});

  app.post<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId/identities/verification',
    {
      schema: routeDocs({
        operationId: 'startIdentityVerification',
        tags: ['identities'],
        summary:
          "Send a one-time code to a member's linked identity (a phone) over an installation that " +
          'reaches it. 202 code_sent; 422 invalid_phone | invalid_identifier | unknown_namespace | ' +
          'not_linked | unreachable; 429 when a code was sent in the last minute. Admins, or the member',
        params: memberParams,
        body: startBody,
        responses: {
          202: { description: 'Code sent', schema: verificationStartedSchema },
          422: { description: 'Not sent', schema: verificationRefusedSchema },
        },
      }),
    },
    async (request, reply) => {
      const params = memberParams.parse(request.params);
      const { workspace, principal } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      const isAdmin = principal.memberships.some(
        (m) => m.workspaceId === workspace.id && WRITE_ROLES.includes(m.role),
      );
      if (!isAdmin && principal.userId !== params.userId)
        throw forbidden('only admins or the member may verify');
      const body = startBody.parse(request.body);
      const normalized = normalize(body.namespace, body.identifier);
      if (!normalized.ok) {
        const outcome = normalized.reason === 'empty' ? 'invalid_identifier' : normalized.reason;
        return reply.code(422).send({ outcome, message: normalized.message });
      }
      if (!(await stores.members.find(workspace.id, params.userId))) throw notFound('member');
      const held = await stores.identities.listForUser(params.userId, { workspaceId: workspace.id });
      if (!held.some((i) => i.namespace === body.namespace && i.identifier === normalized.identifier)) {
        return reply.code(422).send({
          outcome: 'not_linked',
          message: 'link the identity to the member first (POST .../identities)',
        });
      }
      const lookup = await channels.lookup(body.installationId);
      if (lookup.status !== 'active' || lookup.installation.record.workspaceId !== workspace.id) {
        throw notFound('installation');
      }
      const { channel, record } = lookup.installation;
      const key = { namespace: body.namespace, identifier: normalized.identifier };
      const chatId = channel.verificationChatId?.(key);
      if (!chatId) {
        return reply.code(422).send({
          outcome: 'unreachable',
          message: `a ${record.channelType} installation cannot send a code to a ${body.namespace} identity`,
        });
      }
      const issued = await issueVerificationCode(runtime.database, {
        userId: params.userId,
        workspaceId: workspace.id,
        installationId: record.id,
        ...key,
      });
      if (issued.status === 'throttled') {
        throw new ApiError(429, 'throttled', 'a code was sent in the last minute; use it or wait');
      }
      const idempotencyKey = `identity-verification:${issued.id}`;
      await stores.outbound.enqueue({
        installationId: record.id,
        channelType: record.channelType,
        channelChatId: chatId,
        idempotencyKey,
        payload: { target: { chatId }, text: CODE_TEXT(issued.code), idempotencyKey },
      });
      return reply
        .code(202)
        .send({ outcome: 'code_sent', verificationId: issued.id, expiresAt: issued.expiresAt.toISOString() });
    },
  );

  app.post<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId/identities/verification/confirm',
    {
      schema: routeDocs({
        operationId: 'confirmIdentityVerification',
        tags: ['identities'],
        summary:
          'The member, signed in, enters the code their identity received: 200 verified (the identity ' +
          'and those it implies become their own, hub-wide); 422 wrong_code | no_code (none live, ' +
          'expired or too many attempts); 403 for anyone but the member; 409 when another user ' +
          'proved it first',
        params: memberParams,
        body: confirmBody,
        errors: [409],
        responses: {
          200: { description: 'Verified', schema: verificationDoneSchema },
          422: { description: 'Not verified', schema: verificationRefusedSchema },
        },
      }),
    },
    async (request, reply) => {
      const params = memberParams.parse(request.params);
      const { workspace, principal } = await authorizeWorkspace(runtime, request, params.ws, READ_ROLES);
      // The proof is that the owner read the code: only they may enter it, not an admin.
      if (principal.userId !== params.userId) throw forbidden('only the member may enter their code');
      const body = confirmBody.parse(request.body);
      const normalized = normalize(body.namespace, body.identifier);
      if (!normalized.ok) throw badRequest(normalized.reason, normalized.message);
      const key = { namespace: body.namespace, identifier: normalized.identifier };
      const checked = await checkVerificationCode(
        runtime.database,
        { userId: params.userId, workspaceId: workspace.id, ...key },
        body.code,
      );
      if (checked.status !== 'verified') {
        const message =
          checked.status === 'wrong_code'
            ? 'that is not the code sent'
            : 'no live code for this identity: ask for a new one';
        return reply.code(422).send({ outcome: checked.status, message });
      }
      try {
        const results = await stores.identities.linkMany(
          [key, ...runtime.namespaces.linked(key)].map((k) => ({
            ...k,
            userId: params.userId,
            source: 'self' as const,
          })),
        );
        return reply.code(200).send({
          outcome: 'verified',
          identities: results.map((r) => ({
            namespace: r.identity.namespace,
            identifier: r.identity.identifier,
            status: r.status,
          })),
        });
      } catch (error) {
        if (error instanceof IdentityConflictError) {
          throw conflict('identity_conflict', 'another user has proved this identity');
        }
        throw error;
      }
    },
  );
};
