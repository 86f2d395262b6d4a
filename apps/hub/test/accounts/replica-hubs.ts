import { generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createTestDatabase, type TestDatabase } from '@switchboard/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildHub } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { FAST_PIPELINE, LOCAL_EGRESS } from '../support/hub-fixture.js';
import { githubTestRegistry } from './github-plugin.js';

export interface ReplicaHub {
  url: string;
  app: FastifyInstance;
  runtime: HubRuntime;
}

/**
 * Two hub replicas: each its own process-level state (runtime, provisioner host, caches) and its
 * own connection pool, on one PostgreSQL database with one secret key.
 */
export async function startReplicaHubs(): Promise<{
  database: TestDatabase;
  replicas: [ReplicaHub, ReplicaHub];
  close(): Promise<void>;
}> {
  const database = await createTestDatabase('postgres');
  const secretKey = generateSecretKey();
  const second = await openDatabase({ url: database.url, poolSize: 5 });
  const start = async (db: typeof database.db): Promise<ReplicaHub> => {
    const runtime = createHubRuntime({
      database: db,
      secrets: SecretBox.fromSpec(secretKey),
      registry: githubTestRegistry(),
    });
    const { app } = await buildHub({
      runtime,
      logger: createLogger({ level: 'silent' }),
      pipeline: FAST_PIPELINE,
      egress: LOCAL_EGRESS,
      rateLimit: false,
      checkResponses: true,
      accountReconcile: { disabled: true },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { url: `http://127.0.0.1:${port}`, app, runtime };
  };
  const replicas: [ReplicaHub, ReplicaHub] = [await start(database.db), await start(second)];
  return {
    database,
    replicas,
    async close() {
      for (const replica of replicas) await replica.app.close();
      await replicas[1].runtime.close().catch(() => {});
      await database.drop();
    },
  };
}
