import { z } from 'zod';
import { nullableTimestamp, timestamp } from './schemas.js';

/**
 * What the API answers, as zod schemas: the OpenAPI document shows them, and tests check every
 * response against them (see `checkResponses`). Each matches a `present*` function of a route
 * file; change both together. Components (`.meta({ id })`) are the resources clients name.
 */

const uuid = z.string().uuid();
const role = z.enum(['owner', 'admin', 'member']);
const jsonObject = z.record(z.string(), z.unknown());

export const workspaceSchema = z
  .object({ id: uuid, slug: z.string(), name: z.string(), createdAt: timestamp })
  .meta({ id: 'Workspace' });

export const agentSchema = z
  .object({
    id: uuid,
    name: z.string(),
    deliveryUrl: z.string(),
    hasDeliverySecret: z.boolean(),
    retryBudgetMs: z.number().int().nullable().describe('Null: the hub default (24 h)'),
    eventTypes: z.array(z.string()).describe('Inbound event kinds the agent receives'),
    createdAt: timestamp,
  })
  .meta({ id: 'Agent' });

export const agentWithSecretSchema = agentSchema.extend({
  deliverySecret: z.string().optional().describe('Shown once: when the hub generated it'),
});

export const agentHealthSchema = z.object({
  agentId: uuid,
  retryBudgetMs: z.number().int().nullable(),
  circuit: z.enum(['closed', 'open', 'half_open']),
  consecutiveFailures: z.number().int(),
  lastSuccessAt: nullableTimestamp,
  lastErrorAt: nullableTimestamp,
  lastError: z.string().nullable(),
  nextProbeAt: nullableTimestamp,
});

export const auditEntrySchema = z
  .looseObject({
    id: z.string().describe('Decimal int8; newer entries have larger ids'),
    reason: z.string(),
    installationId: uuid.nullable(),
    workspaceId: uuid.nullable(),
    channelType: z.string().nullable(),
    platformEventId: z.string().nullable(),
    channelUserId: z.string().nullable(),
    userId: uuid.nullable(),
    detail: jsonObject.nullable().describe('Ids, counts and error codes only: never a message body'),
    createdAt: timestamp,
  })
  .meta({ id: 'AuditEntry' });

export const messageActivitySchema = z
  .object({
    window: z.enum(['1h', '24h']),
    since: timestamp.describe('The first minute counted'),
    bucketSeconds: z.literal(60),
    minutes: z
      .array(
        z.object({
          installationId: uuid,
          channelType: z.string(),
          minute: timestamp.describe('Start of the minute (UTC)'),
          inbound: z.number().int().describe('Events received (first sighting)'),
          delivered: z.number().int().describe('Events the agent took'),
        }),
      )
      .describe('Only minutes with traffic, oldest first'),
  })
  .meta({ id: 'MessageActivity' });

export const reasonActivitySchema = z
  .object({
    since: timestamp,
    reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })).describe('Most first'),
  })
  .meta({ id: 'ReasonActivity' });

export const bindingSchema = z
  .looseObject({
    installationId: uuid,
    channelType: z.string(),
    channelUserId: z.string(),
    userId: uuid,
    config: jsonObject,
    createdAt: timestamp,
  })
  .meta({ id: 'Binding' });

export const bindingRedeemedSchema = z.object({
  workspaceId: uuid,
  installationId: uuid,
  channelUserId: z.string(),
});

export const channelTypeSchema = z
  .object({
    type: z.string(),
    displayName: z.string(),
    capabilities: z.array(z.string()),
    configSchema: jsonObject.describe('JSON Schema of the config; secrets are writeOnly'),
    kind: z.enum(['channel', 'account-provisioner']),
  })
  .meta({ id: 'ChannelType' });

export const deadLetterSchema = z
  .object({
    id: z.string(),
    deliveryId: uuid,
    installationId: uuid,
    channelType: z.string(),
    platformEventId: z.string(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    firstSeenAt: timestamp,
    finishedAt: nullableTimestamp,
    heldMessages: z.number().int().describe('Later messages of its conversation waiting behind it'),
  })
  .meta({ id: 'DeadLetter' });

export const deadLetterActionSchema = z.object({
  deliveryId: uuid,
  status: z.enum(['pending', 'discarded']),
});

export const identitySchema = z.object({
  namespace: z.string(),
  identifier: z.string(),
  source: z.string(),
  status: z.string(),
  createdAt: timestamp,
});

export const linkOutcomeSchema = z.union([
  z.object({
    outcome: z.enum(['linked', 'already_linked']),
    identities: z.array(z.object({ namespace: z.string(), identifier: z.string(), status: z.string() })),
  }),
  z.object({
    outcome: z.enum(['invalid_phone', 'invalid_identifier', 'unknown_namespace']),
    message: z.string(),
  }),
  z.object({ outcome: z.literal('no_member') }),
]);

/** What became of a phone given with an invitation or a new member (never a failure of either). */
export const invitedPhoneOutcomeSchema = z
  .union([
    ...linkOutcomeSchema.options,
    z.object({ outcome: z.literal('pending'), identifier: z.string() }),
    z.object({
      outcome: z.enum(['identity_conflict', 'identity_deactivated', 'link_failed']),
      message: z.string(),
    }),
  ])
  .meta({ id: 'InvitedPhoneOutcome' });

export const resolvedIdentitySchema = z.object({
  user: z.object({ id: uuid, username: z.string(), status: z.string() }),
  identity: z.object({ namespace: z.string(), identifier: z.string(), source: z.string() }),
  workspaces: z.array(z.object({ workspaceId: uuid, role })),
});

export const installationSchema = z
  .object({
    id: uuid,
    agentId: uuid.nullable().describe('Null for account-provisioner installations'),
    channelType: z.string(),
    status: z.enum(['active', 'revoked']),
    webhookUrl: z.string(),
    config: jsonObject.describe('The public part of the config: secrets are never returned'),
    secretsSet: z.array(z.string()).describe('Names of the secrets stored for it'),
    createdAt: timestamp,
    updatedAt: timestamp,
    revokedAt: nullableTimestamp,
  })
  .meta({ id: 'Installation' });

export const installationProblemSchema = z
  .object({
    code: z
      .enum(['stale_connection', 'token_revoked', 'signature_failures', 'restart_budget_exhausted'])
      .describe('Stable: scripts may branch on it'),
    message: z.string().describe('What is wrong, in one sentence'),
    hint: z.string().describe('What fixes it'),
    since: timestamp.describe('When the health monitor first saw it'),
  })
  .meta({ id: 'InstallationProblem' });

export const installationDetailSchema = installationSchema.extend({
  setupSteps: z
    .array(z.string())
    .describe("What to set in the platform's own settings to point it at this installation"),
  runtime: z.object({
    connected: z.boolean(),
    connectionState: z.string().nullable(),
    leaseHolder: z.string().nullable(),
    leaseExpiresAt: nullableTimestamp,
    lastInboundAt: nullableTimestamp,
    lastOutboundAt: nullableTimestamp,
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    lastErrorHint: z.string().nullable().describe('What usually fixes the last error'),
    reconnectAttempts: z.number().int().describe("This replica's attempts since its last connect"),
    reconnectCount: z.number().int().describe('Reconnects recorded in the database by every replica'),
    reportedBy: z.string().nullable().describe('The replica that last wrote the status'),
    reportedAt: nullableTimestamp,
    inboxBacklog: z.number().int(),
    deadLetters: z.number().int(),
    problems: z
      .array(installationProblemSchema)
      .describe("The health monitor's findings; empty when healthy"),
  }),
});

export const installationStatusSchema = z.object({
  id: uuid,
  status: z.enum(['active', 'revoked']),
  runtime: installationDetailSchema.shape.runtime,
});

export const workspaceStatusSchema = z.object({
  items: z.array(
    installationStatusSchema.extend({
      channelType: z.string(),
      displayName: z.string().describe("The channel type's display name"),
    }),
  ),
});

export const invitationSchema = z
  .object({
    id: uuid,
    status: z.enum(['pending', 'accepted', 'canceled', 'expired']),
    role,
    email: z.string().optional(),
    username: z.string().optional(),
    phone: z.string().optional().describe('E.164; linked to the invitee when they accept'),
    expiresAt: timestamp,
    createdAt: timestamp,
  })
  .meta({ id: 'Invitation' });

export const invitationAcceptedSchema = z.object({
  workspaceId: uuid,
  role,
  phone: invitedPhoneOutcomeSchema.optional(),
});

export const memberSchema = z
  .object({
    userId: uuid,
    username: z.string(),
    email: z.string().nullable(),
    displayName: z.string().nullable(),
    role,
    createdAt: timestamp,
  })
  .meta({ id: 'Member' });

const identityRef = { namespace: z.string(), identifier: z.string() };
const identityLinkReport = z
  .object({
    linked: z.array(z.object({ ...identityRef, status: z.string() })),
    failed: z.array(z.object({ ...identityRef, code: z.string() })),
  })
  .describe('Identities linked for the new user (auth, email)');
export const memberCreatedSchema = memberSchema.extend({
  identities: identityLinkReport,
  phone: invitedPhoneOutcomeSchema.optional(),
});

export const firstAdminSchema = z.object({
  workspace: z.object({ id: uuid, slug: z.string() }),
  userId: uuid,
  username: z.string(),
  role: z.literal('owner'),
  token: z.string().describe('Shown once'),
  tokenPrefix: z.string(),
  identities: identityLinkReport,
});

export const invitationSentSchema = z.object({
  invitation: invitationSchema,
  acceptUrl: z.string().describe('The token rides in the fragment'),
  token: z.string().describe('Shown once'),
  phone: invitedPhoneOutcomeSchema.optional(),
});

export const ownershipTransferSchema = z.object({ from: memberSchema, to: memberSchema });

export const memberRemovedSchema = z.object({
  removed: z.literal(true),
  userId: uuid,
  prunedBindings: z.number().int(),
});

export const outboundQueuedSchema = z.object({
  id: uuid,
  status: z.enum(['pending', 'sending', 'sent', 'failed']),
  created: z.boolean().describe('False when the idempotency key named an earlier message'),
});

export const outboundMessageSchema = z
  .object({
    id: uuid,
    installationId: uuid,
    channelType: z.string(),
    channelChatId: z.string(),
    idempotencyKey: z.string(),
    platformMessageId: z.string().nullable(),
    status: z.enum(['pending', 'sending', 'sent', 'failed']),
    lastError: z.string().nullable(),
    attempts: z.number().int(),
    updateOfId: uuid.nullable(),
    chatSeq: z.string().nullable(),
    deliveryState: z
      .enum(['sent', 'delivered', 'read', 'failed'])
      .nullable()
      .describe("The platform's latest status report; null before any"),
    deliveryErrorCode: z.string().nullable(),
    createdAt: timestamp,
    sentAt: nullableTimestamp,
  })
  .meta({ id: 'OutboundMessage' });

export const sessionDeletedSchema = z.object({ sessionId: z.string(), prunedChats: z.number().int() });

export const tokenSchema = z
  .object({
    id: uuid,
    prefix: z.string(),
    name: z.string(),
    userId: uuid,
    role: role.nullable(),
    lastUsedAt: nullableTimestamp,
    expiresAt: nullableTimestamp,
    createdAt: timestamp,
    revokedAt: nullableTimestamp,
  })
  .meta({ id: 'Token' });

export const issuedTokenSchema = z.object({
  id: uuid,
  token: z.string().describe('Shown once'),
  prefix: z.string(),
  name: z.string(),
  userId: uuid,
  workspaceId: uuid,
  role,
  expiresAt: timestamp,
  createdAt: timestamp,
});

export const accountSchema = z
  .object({
    id: uuid,
    installationId: uuid,
    channelType: z.string(),
    state: z.enum(['pending', 'invited', 'active', 'expired', 'failed', 'canceled']),
    externalId: z.string().nullable(),
    detail: z.unknown(),
    grants: z.unknown(),
    grantsAppliedAt: nullableTimestamp,
    expiresAt: nullableTimestamp,
    lastError: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    /** What a person should do or wait for next, in words. */
    nextStep: z.string(),
  })
  .meta({ id: 'Account' });

export const accountListSchema = z.object({ accounts: z.array(accountSchema) });

export const accountProvisionerStatusSchema = z
  .object({
    installationId: uuid,
    channelType: z.string(),
    ok: z.boolean(),
    detail: z.record(z.string(), z.unknown()),
    message: z.string().nullable(),
  })
  .meta({ id: 'AccountProvisionerStatus' });
