import { createStores, generateSecretKey, SecretBox, type Stores } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from '@switchboard/db/testing';
import type { NamespaceBook } from '../../src/identity/namespaces.js';
import { testNamespaceBook } from '../fixtures/platform-namespaces.js';

export interface IdentityTestbed {
  test: TestDatabase;
  stores: Stores;
  /** The generic namespaces plus the platforms' (as their plugins contribute them). */
  namespaces: NamespaceBook;
  /** A workspace with an owner, so provisioning into it is allowed. */
  managedWorkspace(slug: string): Promise<{ id: string; ownerId: string }>;
  /** Users, identities and memberships in the database, to prove that nothing was written. */
  counts(): Promise<{ users: number; identities: number; members: number }>;
}

export async function openIdentityTestbed(kind: TestDatabaseKind): Promise<IdentityTestbed> {
  const test = await createTestDatabase(kind);
  const stores = createStores(test.db.prisma, SecretBox.fromSpec(generateSecretKey()));
  return {
    test,
    stores,
    namespaces: testNamespaceBook(),
    async managedWorkspace(slug) {
      const ws = await stores.workspaces.create({ slug });
      const owner = await stores.users.create({ username: `${slug}-owner` });
      await stores.members.upsert(ws.id, owner.id, 'owner');
      return { id: ws.id, ownerId: owner.id };
    },
    async counts() {
      const prisma = test.db.prisma;
      const [users, identities, members] = await Promise.all([
        prisma.user.count(),
        prisma.identity.count(),
        prisma.workspaceMember.count(),
      ]);
      return { users, identities, members };
    },
  };
}
