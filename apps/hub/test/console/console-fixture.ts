import type { TestDatabaseKind } from '@switchboard/db/testing';
import { hashPassword } from '../../src/console/password.js';
import { createOperatorCredential } from '../../src/http/operator.js';
import { type HubFixture, type HubFixtureOptions, startHubFixture } from '../support/hub-fixture.js';

export const PASSWORD = 'correct horse battery';

export interface ConsoleFixture {
  hub: HubFixture;
  operatorToken: string;
  workspace: { id: string; slug: string };
  owner: { userId: string; username: string; token: string };
  member: { userId: string; username: string };
  close(): Promise<void>;
}

/** A hub with a workspace, an owner (password set) and a plain member (password set). */
export async function startConsoleFixture(
  kind: TestDatabaseKind = 'pglite',
  options: HubFixtureOptions = {},
): Promise<ConsoleFixture> {
  const operator = createOperatorCredential();
  const hub = await startHubFixture(kind, { operator, ...options });
  const { stores } = hub.runtime;
  const ws = await stores.workspaces.create({ slug: 'acme', name: 'Acme' });
  const owner = await stores.users.create({ username: 'olivia', email: 'olivia@acme.test' });
  await stores.members.upsert(ws.id, owner.id, 'owner');
  const member = await stores.users.create({ username: 'mo', email: 'mo@acme.test' });
  await stores.members.upsert(ws.id, member.id, 'member');
  const hash = await hashPassword(PASSWORD);
  await stores.consoleSessions.setPasswordHash(owner.id, hash);
  await stores.consoleSessions.setPasswordHash(member.id, hash);
  const issued = await stores.apiTokens.issue({ userId: owner.id, workspaceId: ws.id });
  return {
    hub,
    operatorToken: operator.token,
    workspace: { id: ws.id, slug: ws.slug },
    owner: { userId: owner.id, username: owner.username, token: issued.token },
    member: { userId: member.id, username: member.username },
    close: () => hub.close(),
  };
}
