import { Writable } from 'node:stream';
import type { Registry } from '@switchboard/core';
import { generateSecretKey, SecretBox } from '@switchboard/db';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from '@switchboard/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildHub, type HubAppOptions } from '../../src/app.js';
import { EgressPolicy } from '../../src/egress/index.js';
import { createLogger } from '../../src/logging/logger.js';
import type { Pipeline } from '../../src/pipeline/index.js';
import type { PipelineSettingsOverrides } from '../../src/pipeline/settings.js';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { testChannelRegistry } from './channels.js';

/**
 * The fake platforms and agents of the tests listen on loopback, which the default egress policy
 * refuses: the fixtures open it explicitly, as an operator would for local development.
 */
export const LOCAL_EGRESS_ALLOW = ['127.0.0.1', '::1', 'localhost'];
export const LOCAL_EGRESS = new EgressPolicy({ allow: LOCAL_EGRESS_ALLOW });

/** Retries in milliseconds instead of minutes, so fault tests finish quickly. */
export const FAST_PIPELINE: PipelineSettingsOverrides = {
  linkBaseUrl: 'http://hub.test/link',
  idlePollMs: 25,
  delivery: { timeoutMs: 2_000, maxAttempts: 4, backoff: { baseMs: 20, maxMs: 100 } },
  outbound: { timeoutMs: 2_000, maxAttempts: 4, backoff: { baseMs: 20, maxMs: 100 } },
};

export interface HubFixtureOptions {
  pipeline?: PipelineSettingsOverrides;
  workers?: boolean;
  registry?: Registry;
  connections?: HubAppOptions['connections'];
  operator?: HubAppOptions['operator'];
  /** Default LOCAL_EGRESS; pass `new EgressPolicy()` to test the production default. */
  egress?: EgressPolicy;
  publicUrl?: string;
  unknownLimiter?: HubAppOptions['unknownLimiter'];
  now?: HubAppOptions['now'];
  /** Off by default: tests send bursts no client would; rate-limit tests turn it on. */
  rateLimit?: HubAppOptions['rateLimit'];
  statusIntervalMs?: number;
  health?: HubAppOptions['health'];
  accountReconcile?: HubAppOptions['accountReconcile'];
}

export interface HubFixture {
  app: FastifyInstance;
  pipeline: Pipeline;
  runtime: HubRuntime;
  database: TestDatabase;
  url: string;
  /** Everything the hub logged, for asserting that no secret reaches the logs. */
  logs: string[];
  /** Creates a workspace with an admin and returns the admin's bearer token. */
  seedWorkspace(
    slug: string,
    role?: 'owner' | 'admin' | 'member',
  ): Promise<{ workspaceId: string; token: string; userId: string }>;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on response fields one by one
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

/** A real hub on a real HTTP port, on a fresh database of the given kind. */
export async function startHubFixture(
  kind: TestDatabaseKind,
  options: HubFixtureOptions = {},
): Promise<HubFixture> {
  const database = await createTestDatabase(kind);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink });
  const runtime = createHubRuntime({
    database: database.db,
    secrets: SecretBox.fromSpec(generateSecretKey()),
    registry: options.registry ?? testChannelRegistry(),
  });
  const { app, pipeline } = await buildHub({
    runtime,
    logger,
    pipeline: { ...FAST_PIPELINE, ...options.pipeline },
    egress: options.egress ?? LOCAL_EGRESS,
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.unknownLimiter ? { unknownLimiter: options.unknownLimiter } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.operator ? { operator: options.operator } : {}),
    ...(options.now ? { now: options.now } : {}),
    rateLimit: options.rateLimit ?? false,
    // Every response of every test is checked against the OpenAPI document.
    checkResponses: true,
    ...(options.statusIntervalMs ? { statusIntervalMs: options.statusIntervalMs } : {}),
    ...(options.health ? { health: options.health } : {}),
    ...(options.accountReconcile ? { accountReconcile: options.accountReconcile } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  let users = 0;

  return {
    app,
    pipeline,
    runtime,
    database,
    url,
    logs,
    async seedWorkspace(slug, role = 'owner') {
      const ws = await runtime.stores.workspaces.create({ slug });
      const user = await runtime.stores.users.create({ username: `${slug}-${role}-${++users}` });
      await runtime.stores.members.upsert(ws.id, user.id, role);
      const issued = await runtime.stores.apiTokens.issue({ userId: user.id, workspaceId: ws.id });
      return { workspaceId: ws.id, token: issued.token, userId: user.id };
    },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.raw;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      } else if (options.raw !== undefined && !headers['content-type']) {
        headers['content-type'] = 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text };
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
