import { type InboundEvent, Registry } from '@switchboard/core';
import { type Database, SecretBox } from '@switchboard/db';
import { createHubRuntime, type HubRuntime } from '../../src/runtime/open-runtime.js';
import { type Supervisor, type SupervisorOptions, startSupervisor } from '../../src/supervisor/index.js';
import {
  captureLogger,
  createFakeFactory,
  FAKE_WEBHOOK,
  FAKE_WEBHOOK_BY_CONFIG,
  type FakeWorld,
} from './fake-long-connection.js';

/** Lease timings short enough for tests; assertions never depend on them, only waits do. */
export const fastTimings = { leaseTtlMs: 1_000, renewEveryMs: 250, scanEveryMs: 50 } as const;

export function fakeRegistry(world: FakeWorld): Registry {
  return new Registry()
    .register(createFakeFactory(world))
    .register(createFakeFactory(world, { type: FAKE_WEBHOOK, longConnection: false }))
    .register(
      createFakeFactory(world, {
        type: FAKE_WEBHOOK_BY_CONFIG,
        longConnection: false,
        answersFromConfig: true,
      }),
    );
}

export function runtimeFor(database: Database, secretKey: string, world: FakeWorld): HubRuntime {
  return createHubRuntime({
    database,
    secrets: SecretBox.fromSpec(secretKey),
    registry: fakeRegistry(world),
  });
}

let seeded = 0;

/** A workspace with one agent; returns ids for `installations.create`. */
export async function seedAgent(runtime: HubRuntime): Promise<{ workspaceId: string; agentId: string }> {
  const n = ++seeded;
  const ws = await runtime.stores.workspaces.create({
    slug: `sup-${n}-${Math.random().toString(36).slice(2, 8)}`,
  });
  const agent = await runtime.stores.agents.create({
    workspaceId: ws.id,
    name: `agent-${n}`,
    deliveryUrl: 'http://127.0.0.1:9/agent',
  });
  return { workspaceId: ws.id, agentId: agent.id };
}

export async function seedInstallation(
  runtime: HubRuntime,
  input: { channelType?: string; config?: Record<string, unknown>; token?: string } = {},
): Promise<{ id: string; workspaceId: string; agentId: string }> {
  const { workspaceId, agentId } = await seedAgent(runtime);
  const installation = await runtime.stores.installations.create({
    workspaceId,
    agentId,
    channelType: input.channelType ?? 'fake-long',
    config: input.config ?? { mode: 'ok' },
    secrets: { token: input.token ?? 'token-1' },
  });
  return { id: installation.id, workspaceId, agentId };
}

export interface StartedSupervisor {
  supervisor: Supervisor;
  logs: ReturnType<typeof captureLogger>['lines'];
  emitted: Array<{ installationId: string; event: InboundEvent }>;
}

export function start(
  runtime: HubRuntime,
  options: Partial<Omit<SupervisorOptions, 'runtime' | 'logger' | 'emit'>> = {},
): StartedSupervisor {
  const logger = captureLogger();
  const emitted: StartedSupervisor['emitted'] = [];
  const supervisor = startSupervisor({
    runtime,
    logger,
    emit: async (installationId, event) => {
      emitted.push({ installationId, event });
    },
    ...fastTimings,
    backoff: { baseMs: 20, maxMs: 200 },
    ...options,
  });
  return { supervisor, logs: logger.lines, emitted };
}

export interface LeaseRow {
  lease_owner: string | null;
  lease_generation: bigint;
  lease_live: boolean;
}

export async function leaseRow(runtime: HubRuntime, installationId: string): Promise<LeaseRow | undefined> {
  const rows = await runtime.database.prisma.$queryRaw<LeaseRow[]>`
    SELECT lease_owner, lease_generation,
           (lease_expires_at IS NOT NULL AND lease_expires_at >= now()) AS lease_live
      FROM channel_installation WHERE id = ${installationId}::uuid`;
  return rows[0];
}
