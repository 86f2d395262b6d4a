import type { Db, SqlRunner } from '../database/open.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { AccountProvisioningStore } from './account-provisioning.js';
import { ActivityStore } from './activity.js';
import { AgentStore } from './agents.js';
import { ApiTokenStore } from './api-tokens.js';
import { AuditStore } from './audit.js';
import { BindingTokenStore } from './binding-tokens.js';
import { BindingStore } from './bindings.js';
import { ConsoleSessionStore } from './console-sessions.js';
import { IdentityStore } from './identities.js';
import { InboxStore } from './inbox.js';
import { InstallationParkingStore } from './installation-parking.js';
import { InstallationStatusStore } from './installation-status.js';
import { type InstallationKeyRule, InstallationStore } from './installations.js';
import { InvitationStore } from './invitations.js';
import { MemberStore } from './members.js';
import { OutboundStore } from './outbound.js';
import { RetentionStore } from './retention.js';
import { UserStore } from './users.js';
import { WebhookDeliveryStore } from './webhook-deliveries.js';
import { WorkspaceStore } from './workspaces.js';

export interface Stores {
  workspaces: WorkspaceStore;
  users: UserStore;
  members: MemberStore;
  agents: AgentStore;
  installations: InstallationStore;
  installationStatus: InstallationStatusStore;
  installationParking: InstallationParkingStore;
  accounts: AccountProvisioningStore;
  activity: ActivityStore;
  invitations: InvitationStore;
  apiTokens: ApiTokenStore;
  inbox: InboxStore;
  audit: AuditStore;
  bindings: BindingStore;
  bindingTokens: BindingTokenStore;
  consoleSessions: ConsoleSessionStore;
  identities: IdentityStore;
  outbound: OutboundStore;
  retention: RetentionStore;
  webhookDeliveries: WebhookDeliveryStore;
}

export function createStores(
  db: Db,
  secrets: SecretBox,
  options: {
    ingressSql?: SqlRunner;
    workerSql?: SqlRunner;
    /** How installations' app and installation keys derive from their config (the hub's rule). */
    installationKeys?: InstallationKeyRule;
  } = {},
): Stores {
  const bindings = new BindingStore(db, options.workerSql);
  return {
    workspaces: new WorkspaceStore(db),
    users: new UserStore(db),
    members: new MemberStore(db),
    agents: new AgentStore(db, secrets),
    installations: new InstallationStore(db, secrets, options.installationKeys),
    installationStatus: new InstallationStatusStore(db),
    installationParking: new InstallationParkingStore(db),
    accounts: new AccountProvisioningStore(db),
    activity: new ActivityStore(db),
    invitations: new InvitationStore(db),
    apiTokens: new ApiTokenStore(db),
    inbox: new InboxStore(db, options),
    audit: new AuditStore(db),
    bindings,
    bindingTokens: new BindingTokenStore(db, bindings),
    consoleSessions: new ConsoleSessionStore(db),
    identities: new IdentityStore(db),
    outbound: new OutboundStore(db),
    retention: new RetentionStore(db),
    webhookDeliveries: new WebhookDeliveryStore(db),
  };
}

export * from './account-provisioning.js';
export * from './activity.js';
export * from './agents.js';
export * from './api-tokens.js';
export * from './audit.js';
export * from './binding-tokens.js';
export * from './bindings.js';
export * from './console-sessions.js';
export * from './errors.js';
export * from './identities.js';
export * from './inbox.js';
export * from './installation-parking.js';
export * from './installation-status.js';
export * from './installations.js';
export * from './invitations.js';
export * from './members.js';
export * from './normalize-text.js';
export * from './outbound.js';
export * from './retention.js';
export * from './users.js';
export * from './webhook-deliveries.js';
export * from './workspaces.js';
