import { type MemberRecord, type MemberRole, MembershipInvariantError } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { badRequest, conflict, forbidden } from '../http/errors.js';
import { checkInvitedPhone, type InvitedPhoneOutcome, linkInvitedPhone } from '../identity/invited-phone.js';
import { linkMemberIdentities } from '../identity/member-identities.js';
import { type CountryCode, parsePhoneRegion } from '../identity/phone.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { presentInvitation } from './invitations.js';
import { byCreation, listPageQuery, pageOf, parseListPage } from './list-page.js';
import {
  invitationSentSchema,
  memberCreatedSchema,
  memberRemovedSchema,
  memberSchema,
  ownershipTransferSchema,
} from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse, workspaceParams } from './schemas.js';
import { authorizeWorkspace, READ_ROLES, WRITE_ROLES } from './workspace-access.js';

const INVITATION_DAYS = 7;
const DAY_MS = 86_400_000;

const usernameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dots, dashes and underscores');
const roleSchema = z.enum(['owner', 'admin', 'member']);

const addMemberBody = z
  .object({
    username: usernameSchema.optional(),
    email: z.string().email().max(320).optional(),
    /**
     * The person's phone (E.164, or national in SWITCHBOARD_PHONE_REGION): linked to them, with the
     * identities plugins derive from it, when they become a member; unverified until they prove it.
     * One that does not parse is reported (`phone.outcome: invalid_phone`), never a failure.
     */
    phone: z.string().min(1).max(64).optional(),
    role: roleSchema.default('member'),
  })
  .refine((body) => body.username !== undefined || body.email !== undefined, {
    message: 'give a username or an email',
  });
const changeRoleBody = z.object({ role: roleSchema });
const transferBody = z.object({ userId: z.string().uuid() });
const userIdParam = z.object({ ws: z.string(), userId: z.string().uuid() });

export function presentMember(member: MemberRecord) {
  return {
    userId: member.userId,
    username: member.username,
    email: member.email,
    displayName: member.displayName,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
  };
}

export interface MemberRoutesOptions {
  runtime: HubRuntime;
  /** Base URL of the hub as people reach it (invitation links). */
  publicUrl: string;
  /** Region for phone numbers written without a `+` prefix (default SWITCHBOARD_PHONE_REGION). */
  phoneRegion?: CountryCode;
}

/**
 * Membership. Nobody is added to a workspace without their consent: a person who already has a
 * hub user, or anyone named by email, gets an invitation they accept while signed in. Only a
 * brand-new username (no user anywhere yet, so nobody is adopted) is created directly. Role
 * changes keep at least one owner and one admin (enforced under a row lock in the store), and only
 * an owner changes owners.
 */
export const memberRoutes: FastifyPluginAsync<MemberRoutesOptions> = async (app, options) => {
  const { runtime, publicUrl } = options;
  const { stores } = runtime;
  const phoneRegion = options.phoneRegion ?? parsePhoneRegion(process.env.SWITCHBOARD_PHONE_REGION);
  const roleOf = (
    principal: { memberships: ReadonlyArray<{ workspaceId: string; role: MemberRole }> },
    ws: string,
  ) => principal.memberships.find((m) => m.workspaceId === ws)?.role;

  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/members',
    {
      schema: routeDocs({
        operationId: 'addMember',
        tags: ['members'],
        params: workspaceParams,
        responses: {
          201: { description: 'A new user, member at once', schema: memberCreatedSchema },
          202: { description: 'An invitation, to be accepted', schema: invitationSentSchema },
        },
        errors: [409],
        summary:
          'Invite a person: an existing user (by username) or anyone by email gets an invitation (202, ' +
          'with its acceptUrl and token, shown once). A username nobody has yet creates that user as a ' +
          'member at once (201). 409 already_member: change roles with PATCH. A `phone` is linked to ' +
          'the person when they become a member (at once, or on accepting: `phone.outcome` pending); ' +
          'one that does not parse answers phone.outcome invalid_phone and the invitation still goes',
        body: addMemberBody,
      }),
    },
    async (request, reply) => {
      const { workspace, principal } = await authorizeWorkspace(
        runtime,
        request,
        request.params.ws,
        WRITE_ROLES,
      );
      const body = addMemberBody.parse(request.body);
      const phone =
        body.phone === undefined ? undefined : checkInvitedPhone(runtime.namespaces, body.phone, phoneRegion);
      if (body.role === 'owner' && roleOf(principal, workspace.id) !== 'owner') {
        throw forbidden('only an owner can add an owner');
      }
      // Never looked up by email: emails are neither unique nor verified on users.
      const existing = body.username ? await stores.users.findByUsername(body.username) : null;
      if (!existing && body.username) {
        const user = await stores.users.create({ username: body.username, email: body.email });
        const member = await stores.members.upsert(workspace.id, user.id, body.role);
        const identities = await linkMemberIdentities(stores.identities, user, request.log, workspace.id);
        const phoneOutcome: InvitedPhoneOutcome | undefined = !phone
          ? undefined
          : phone.ok
            ? await linkInvitedPhone(
                stores,
                { workspaceId: workspace.id, userId: user.id, phone: phone.phone },
                { namespaces: runtime.namespaces, logger: request.log },
              )
            : { outcome: phone.outcome, message: phone.message };
        return reply
          .code(201)
          .send({ ...presentMember(member), identities, ...(phoneOutcome ? { phone: phoneOutcome } : {}) });
      }
      if (existing && (await stores.members.find(workspace.id, existing.id))) {
        throw conflict('already_member', 'this user is a member already; change their role with PATCH');
      }
      const { invitation, token } = await stores.invitations.create({
        workspaceId: workspace.id,
        role: body.role,
        ...(existing ? { userId: existing.id } : { email: body.email as string }),
        ...(phone?.ok ? { phone: phone.phone } : {}),
        invitedByUserId: principal.userId,
        expiresAt: new Date(Date.now() + INVITATION_DAYS * DAY_MS),
      });
      return reply.code(202).send({
        invitation: presentInvitation(invitation),
        // The token rides in the fragment: browsers never send it to a server or a Referer.
        acceptUrl: `${publicUrl.replace(/\/$/, '')}/invite#${token}`,
        token,
        ...(phone
          ? {
              phone: phone.ok
                ? { outcome: 'pending', identifier: phone.phone }
                : { outcome: phone.outcome, message: phone.message },
            }
          : {}),
      });
    },
  );

  app.get<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/members',
    {
      schema: routeDocs({
        operationId: 'listMembers',
        tags: ['members'],
        summary: 'List the workspace members, oldest first',
        params: workspaceParams,
        querystring: listPageQuery,
        responses: { 200: listResponse(memberSchema, 'members') },
      }),
    },
    async (request) => {
      const { workspace } = await authorizeWorkspace(runtime, request, request.params.ws, READ_ROLES);
      const page = parseListPage(request.query);
      const listed = pageOf(await stores.members.list(workspace.id), page, (m) =>
        byCreation({ createdAt: m.createdAt, id: m.userId }),
      );
      const members = listed.items.map(presentMember);
      return { items: members, nextCursor: listed.nextCursor, members };
    },
  );

  app.patch<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId',
    {
      schema: routeDocs({
        operationId: 'changeMemberRole',
        tags: ['members'],
        params: userIdParam,
        responses: { 200: memberSchema },
        errors: [409],
        summary:
          "Change a member's role; only an owner changes an owner's role or makes owners. 409 last_owner / last_admin",
        body: changeRoleBody,
      }),
    },
    async (request) => {
      const params = parseUserParams(request.params);
      const { workspace, principal } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const body = changeRoleBody.parse(request.body);
      const target = await stores.members.find(workspace.id, params.userId);
      if (!target) throw badRequest('not_a_member', 'this user is not a member of the workspace');
      if ((target.role === 'owner' || body.role === 'owner') && roleOf(principal, workspace.id) !== 'owner') {
        throw forbidden('only an owner changes owners');
      }
      return presentMember(
        await invariantSafe(() => stores.members.changeRole(workspace.id, params.userId, body.role)),
      );
    },
  );

  app.post<{ Params: { ws: string } }>(
    '/api/v1/workspaces/:ws/ownership-transfer',
    {
      schema: routeDocs({
        operationId: 'transferOwnership',
        tags: ['members'],
        params: workspaceParams,
        responses: { 200: ownershipTransferSchema },
        summary: 'The calling owner hands ownership to another member: they become owner, the caller admin',
        body: transferBody,
      }),
    },
    async (request) => {
      const { workspace, principal } = await authorizeWorkspace(runtime, request, request.params.ws, [
        'owner',
      ]);
      const body = transferBody.parse(request.body);
      if (!(await stores.members.find(workspace.id, body.userId))) {
        throw badRequest('not_a_member', 'ownership goes to a member of the workspace');
      }
      const { from, to } = await stores.members.transferOwnership(
        workspace.id,
        principal.userId,
        body.userId,
      );
      return { from: presentMember(from), to: presentMember(to) };
    },
  );

  app.delete<{ Params: { ws: string; userId: string } }>(
    '/api/v1/workspaces/:ws/members/:userId',
    {
      schema: routeDocs({
        operationId: 'removeMember',
        tags: ['members'],
        params: userIdParam,
        responses: { 200: memberRemovedSchema },
        errors: [409],
        summary: 'Remove a member; their bindings on every channel of the workspace are pruned',
      }),
    },
    async (request) => {
      const params = parseUserParams(request.params);
      const { workspace, principal } = await authorizeWorkspace(runtime, request, params.ws, WRITE_ROLES);
      const target = await stores.members.find(workspace.id, params.userId);
      if (target?.role === 'owner' && roleOf(principal, workspace.id) !== 'owner') {
        throw forbidden('only an owner can remove an owner');
      }
      const { prunedBindings } = await invariantSafe(() =>
        stores.members.remove(workspace.id, params.userId),
      );
      return { removed: true, userId: params.userId, prunedBindings };
    },
  );
};

function parseUserParams(params: unknown) {
  const parsed = userIdParam.safeParse(params);
  if (!parsed.success) throw badRequest('invalid_input', 'userId must be a UUID', parsed.error.issues);
  return parsed.data;
}

/** A workspace without an owner or admin cannot be managed (and refuses auto-provisioning). */
async function invariantSafe<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof MembershipInvariantError) throw conflict(error.invariant, error.message);
    throw error;
  }
}
