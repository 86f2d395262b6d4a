import type { Db } from '../database/open.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { AgentStore } from './agents.js';
import { ApiTokenStore } from './api-tokens.js';
import { InstallationStore } from './installations.js';
import { MemberStore } from './members.js';
import { UserStore } from './users.js';
import { WorkspaceStore } from './workspaces.js';

export interface Stores {
  workspaces: WorkspaceStore;
  users: UserStore;
  members: MemberStore;
  agents: AgentStore;
  installations: InstallationStore;
  apiTokens: ApiTokenStore;
}

export function createStores(db: Db, secrets: SecretBox): Stores {
  return {
    workspaces: new WorkspaceStore(db),
    users: new UserStore(db),
    members: new MemberStore(db),
    agents: new AgentStore(db, secrets),
    installations: new InstallationStore(db, secrets),
    apiTokens: new ApiTokenStore(db),
  };
}

export * from './agents.js';
export * from './api-tokens.js';
export * from './errors.js';
export * from './installations.js';
export * from './members.js';
export * from './users.js';
export * from './workspaces.js';
