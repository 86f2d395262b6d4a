import type { ConsoleSessionStore, UserStore } from '@switchboard/db';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { routeDocs } from '../api/route-docs.js';
import { timestamp } from '../api/schemas.js';
import { requireAuth } from '../http/auth.js';
import { badRequest, forbidden, notFound } from '../http/errors.js';

/** A sign-in link is short-lived: it travels through a terminal and a chat or a mail. */
export const LOGIN_LINK_TTL_MS = 15 * 60 * 1000;

const loginLinkBody = z.object({ username: z.string().min(1).max(64) });
const loginLinkSchema = z.object({
  username: z.string(),
  url: z.string().describe('Opens the console signed in as the user; single use'),
  expiresAt: timestamp,
});

export interface LoginLinkRouteOptions {
  stores: { users: UserStore; consoleSessions: ConsoleSessionStore };
  /** Base URL people reach the hub at. */
  publicUrl: string;
  ttlMs?: number;
}

/**
 * The hub operator (the person running it: `switchboard login-link --user alice`) hands someone a
 * one-time console sign-in link. Users without a password start here and may set one after.
 */
export const loginLinkRoutes: FastifyPluginAsync<LoginLinkRouteOptions> = async (app, options) => {
  app.post(
    '/api/v1/console/login-links',
    {
      schema: routeDocs({
        operationId: 'createConsoleLoginLink',
        tags: ['console'],
        summary: 'Hub operator only: a one-time console sign-in link for a user (valid 15 minutes)',
        body: loginLinkBody,
        responses: { 201: loginLinkSchema },
      }),
    },
    async (request, reply) => {
      const principal = await requireAuth(request);
      if (!principal.operator) throw forbidden('only the hub operator issues console sign-in links');
      const parsed = loginLinkBody.safeParse(request.body);
      if (!parsed.success) throw badRequest('invalid_input', 'username is required', parsed.error.issues);
      const user = await options.stores.users.findByUsername(parsed.data.username);
      if (user?.status !== 'active') throw notFound('user');
      const link = await options.stores.consoleSessions.issueLoginLink(
        user.id,
        options.ttlMs ?? LOGIN_LINK_TTL_MS,
      );
      const url = new URL('/console/sign-in/link', options.publicUrl);
      url.searchParams.set('token', link.token);
      return reply
        .code(201)
        .send({ username: user.username, url: url.toString(), expiresAt: link.expiresAt.toISOString() });
    },
  );
};
