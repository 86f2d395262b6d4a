import type { InstallationRecord } from '@switchboard/db';
import type { FastifyRequest } from 'fastify';
import { SIGNATURE_HEADER, verifyBodySignature } from '../agent-delivery/signature.js';
import type { ChannelHost } from '../channels/host.js';
import { requireAuth, requireWorkspaceRole } from '../http/auth.js';
import { notFound, unauthorized } from '../http/errors.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { WRITE_ROLES } from './workspace-access.js';

/**
 * Who may act on an installation's chats: its agent (the request signed with the agent's
 * delivery secret, like deliveries, over the raw body) or an owner/admin of its workspace with a
 * bearer token. Unknown and revoked installations are 404.
 */
export async function authorizeInstallationCaller(
  runtime: HubRuntime,
  channels: ChannelHost,
  request: FastifyRequest,
  installationId: string,
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
  const body = request.rawBody ?? new Uint8Array(0);
  if (!secret || typeof signature !== 'string' || !verifyBodySignature(secret, signature, body)) {
    throw unauthorized('sign the request with the agent delivery secret, or use a bearer token');
  }
  return record;
}
