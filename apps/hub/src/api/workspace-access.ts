import { isNotFound } from '@switchboard/core';
import type { MemberRole, WorkspaceRecord } from '@switchboard/db';
import type { FastifyRequest } from 'fastify';
import { type Principal, requireAuth, requireWorkspaceRole } from '../http/auth.js';
import { notFound } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';

export const READ_ROLES: MemberRole[] = ['owner', 'admin', 'member'];
export const WRITE_ROLES: MemberRole[] = ['owner', 'admin'];

/**
 * Resolves `:ws` (id or slug) and checks the caller's role there. A workspace the caller does not
 * belong to answers 404 exactly like one that does not exist, so its existence never leaks.
 */
export async function authorizeWorkspace(
  runtime: HubRuntime,
  request: FastifyRequest,
  workspaceRef: string,
  roles: MemberRole[],
): Promise<{ workspace: WorkspaceRecord; principal: Principal }> {
  const principal = await requireAuth(request);
  const workspace = await runtime.stores.workspaces.resolve(workspaceRef).catch((error: unknown) => {
    // Only "not found" becomes a 404; an outage must surface as one (503), not as "no such workspace".
    throw isNotFound(error) ? notFound('workspace') : error;
  });
  requireWorkspaceRole(principal, workspace.id, roles);
  return { workspace, principal };
}
