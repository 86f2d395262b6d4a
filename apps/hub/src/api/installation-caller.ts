import type { InstallationRecord } from '@switchboard/db';
import type { FastifyRequest } from 'fastify';
import { SIGNATURE_HEADER, verifyBodySignature } from '../agent-delivery/signature.js';
import type { ChannelHost } from '../channels/host.js';
import { requireAuth, requireWorkspaceRole } from '../http/auth.js';
import { notFound, unauthorized } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { WRITE_ROLES } from './workspace-access.js';

/**
 * What an agent signs for a request without a body (a GET): the method and the path with its
 * query, e.g. `GET /api/v1/installations/…/media/0`, so a signature is good for that one URL.
 */
export function signedRequestLine(request: FastifyRequest): Uint8Array {
  return new TextEncoder().encode(`${request.method} ${request.url}`);
}

/**
 * Who may act on an installation's chats: its agent (the request signed with the agent's
 * delivery secret, like deliveries, over the raw body, or for a GET over `signedRequestLine`)
 * or an owner/admin of its workspace with a bearer token. Unknown and revoked installations
 * are 404.
 */
export async function authorizeInstallationCaller(
  runtime: HubRuntime,
  channels: ChannelHost,
  request: FastifyRequest,
  installationId: string,
  signed: Uint8Array = request.rawBody ?? new Uint8Array(0),
): Promise<InstallationRecord> {
  const lookup = await channels.lookup(installationId);
  if (lookup.status === 'unknown' || lookup.status === 'revoked') throw notFound('installation');
  const record = lookup.status === 'active' ? lookup.installation.record : lookup.record;
  if (request.headers.authorization !== undefined) {
    const principal = await requireAuth(request);
    requireWorkspaceRole(principal, record.workspaceId, WRITE_ROLES);
    return record;
  }
  const secret = record.agentId === null ? null : await runtime.stores.agents.deliverySecret(record.agentId);
  const signature = request.headers[SIGNATURE_HEADER];
  if (!secret || typeof signature !== 'string' || !verifyBodySignature(secret, signature, signed)) {
    throw unauthorized('sign the request with the agent delivery secret, or use a bearer token');
  }
  return record;
}
