import {
  type AccountEvent,
  type AccountWebhookHandler,
  checkPayload,
  decodeJsonBody,
  header,
  type Logger,
  MalformedPayloadError,
  type WebhookRequest,
} from '@switchboard/core';
import { verifyHubSignature256 } from '@switchboard/signing';
import { z } from 'zod';
import { expiresAt } from './invitations.js';
import { toAccount } from './provisioner.js';

const user = z.object({ login: z.string().min(1), id: z.number().int().positive() });
const organization = z.object({ login: z.string().min(1) });
const memberEvent = z.object({
  action: z.string(),
  organization,
  membership: z.object({ user, state: z.string().optional() }).optional(),
  invitation: z
    .object({
      id: z.number().int().positive(),
      login: z.string().nullable().optional(),
      email: z.string().nullable().optional(),
      created_at: z.string().optional(),
    })
    .optional(),
});

const teamMembershipEvent = z.object({
  action: z.string(),
  scope: z.string(),
  member: user,
  team: z.object({ slug: z.string().min(1) }),
  organization,
});

/** `membership.added` / `removed` (scope team): a team membership changed on GitHub itself. */
function teamMembershipEvents(body: unknown, options: { org: string }): AccountEvent[] {
  const payload = checkPayload(teamMembershipEvent, body, [], 'not a GitHub membership event');
  if (payload.scope !== 'team' || payload.organization.login.toLowerCase() !== options.org.toLowerCase())
    return [];
  if (payload.action !== 'added' && payload.action !== 'removed') return [];
  return [
    {
      kind: 'grant_changed',
      account: toAccount(payload.member),
      grant: { kind: 'team', target: payload.team.slug },
      change: payload.action,
    },
  ];
}

/**
 * The org webhook: `X-Hub-Signature-256` over the body (no timestamp: replays are refused by the
 * hub on `deliveryId`, the `X-GitHub-Delivery` scoped by `X-GitHub-Hook-ID`, since a redelivery
 * from the GitHub UI keeps the id and two hooks of one org share none).
 */
export function createGithubWebhookHandler(options: {
  secret: string;
  org: string;
  logger: Logger;
}): AccountWebhookHandler {
  return {
    verify: (req: WebhookRequest) =>
      verifyHubSignature256(options.secret, header(req, 'x-hub-signature-256'), req.rawBody),
    parse(req: WebhookRequest) {
      const event = header(req, 'x-github-event');
      const delivery = header(req, 'x-github-delivery');
      const hookId = header(req, 'x-github-hook-id') ?? 'unknown-hook';
      if (!event || !delivery) {
        throw new MalformedPayloadError('X-GitHub-Event and X-GitHub-Delivery headers are required');
      }
      const deliveryId = `${hookId}:${delivery}`;
      const body = decodeJsonBody(req.rawBody, 'GitHub');
      if (event === 'membership') return { events: teamMembershipEvents(body, options), deliveryId };
      if (event !== 'organization') return { events: [], deliveryId };
      const payload = checkPayload(memberEvent, body, [], 'not a GitHub organization event');
      if (payload.organization.login.toLowerCase() !== options.org.toLowerCase()) {
        options.logger.warn(
          { org: payload.organization.login },
          'organization event for another org ignored',
        );
        return { events: [], deliveryId };
      }
      const events: AccountEvent[] = [];
      const member = payload.membership?.user;
      // member_added carries no invitation id and no email: the hub correlates by login.
      if (payload.action === 'member_added' && member)
        events.push({ kind: 'joined', account: toAccount(member) });
      const invitation = payload.invitation;
      if (payload.action === 'member_invited' && invitation) {
        const expires = invitation.created_at ? expiresAt({ created_at: invitation.created_at }) : undefined;
        events.push({
          kind: 'invited',
          pendingId: String(invitation.id),
          ...(invitation.login ? { login: invitation.login } : {}),
          ...(invitation.email ? { email: invitation.email.toLowerCase() } : {}),
          ...(expires ? { expiresAt: expires } : {}),
        });
      }
      if (payload.action === 'member_removed' && member) {
        events.push({
          kind: 'removed',
          account: toAccount(member),
          detail: `removed from ${payload.organization.login}`,
        });
      }
      return { events, deliveryId };
    },
  };
}
