import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { ConflictError, isUniqueViolation } from './errors.js';

const DELIVERY_SECRET_PURPOSE = 'agent.delivery_secret';

/** An agent as the API may show it: the delivery secret is only ever reported as present or not. */
export interface AgentRecord {
  id: string;
  workspaceId: string;
  name: string;
  deliveryUrl: string;
  hasDeliverySecret: boolean;
  /** How long deliveries are retried before they are dead-lettered; null: the hub's default. */
  retryBudgetMs: number | null;
  /** The inbound event kinds delivered to the agent (default `['message']`). */
  eventTypes: string[];
  createdAt: Date;
}

const agentSelect = {
  id: true,
  workspaceId: true,
  name: true,
  deliveryUrl: true,
  deliverySecretSealed: true,
  retryBudgetMs: true,
  eventTypes: true,
  createdAt: true,
} as const;

function toRecord(row: {
  id: string;
  workspaceId: string;
  name: string;
  deliveryUrl: string;
  deliverySecretSealed: string | null;
  retryBudgetMs: number | null;
  eventTypes: string[];
  createdAt: Date;
}): AgentRecord {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    deliveryUrl: row.deliveryUrl,
    hasDeliverySecret: row.deliverySecretSealed !== null,
    retryBudgetMs: row.retryBudgetMs,
    eventTypes: row.eventTypes,
    createdAt: row.createdAt,
  };
}

export class AgentStore {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  async create(input: {
    workspaceId: string;
    name: string;
    deliveryUrl: string;
    deliverySecret?: string;
    retryBudgetMs?: number;
    eventTypes?: string[];
  }): Promise<AgentRecord> {
    try {
      const row = await this.db.agent.create({
        data: {
          workspaceId: input.workspaceId,
          name: input.name,
          deliveryUrl: input.deliveryUrl,
          deliverySecretSealed:
            input.deliverySecret === undefined
              ? null
              : this.secrets.seal(input.deliverySecret, DELIVERY_SECRET_PURPOSE),
          retryBudgetMs: input.retryBudgetMs ?? null,
          ...(input.eventTypes ? { eventTypes: [...new Set(input.eventTypes)] } : {}),
        },
        select: agentSelect,
      });
      return toRecord(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('agent', `an agent named "${input.name}" already exists`, { cause: error });
      }
      throw error;
    }
  }

  async list(workspaceId: string): Promise<AgentRecord[]> {
    const rows = await this.db.agent.findMany({
      where: { workspaceId },
      orderBy: { createdAt: 'asc' },
      select: agentSelect,
    });
    return rows.map(toRecord);
  }

  /** Reads an agent of one workspace; another workspace's agent is reported as not found. */
  async get(workspaceId: string, id: string): Promise<AgentRecord> {
    const row = await this.db.agent.findFirst({ where: { id, workspaceId }, select: agentSelect });
    if (!row) throw new NotFoundError('agent', id);
    return toRecord(row);
  }

  /** Replaces the agent's delivery secret (sealed); `NotFoundError` for another workspace's agent. */
  async setDeliverySecret(workspaceId: string, id: string, secret: string): Promise<AgentRecord> {
    const current = await this.get(workspaceId, id);
    const row = await this.db.agent.update({
      where: { id: current.id },
      data: { deliverySecretSealed: this.secrets.seal(secret, DELIVERY_SECRET_PURPOSE) },
      select: agentSelect,
    });
    return toRecord(row);
  }

  /** Sets (or, with null, resets to the hub's default) how long deliveries are retried. */
  async setRetryBudget(workspaceId: string, id: string, retryBudgetMs: number | null): Promise<AgentRecord> {
    const result = await this.db.agent.updateMany({ where: { id, workspaceId }, data: { retryBudgetMs } });
    if (result.count === 0) throw new NotFoundError('agent', id);
    return this.get(workspaceId, id);
  }

  /** Chooses which inbound event kinds the agent receives. */
  async setEventTypes(workspaceId: string, id: string, eventTypes: string[]): Promise<AgentRecord> {
    const result = await this.db.agent.updateMany({
      where: { id, workspaceId },
      data: { eventTypes: [...new Set(eventTypes)] },
    });
    if (result.count === 0) throw new NotFoundError('agent', id);
    return this.get(workspaceId, id);
  }

  /** The plaintext delivery secret, for signing deliveries; never for API responses. */
  async deliverySecret(id: string): Promise<string | null> {
    const row = await this.db.agent.findUnique({ where: { id }, select: { deliverySecretSealed: true } });
    if (!row) throw new NotFoundError('agent', id);
    return row.deliverySecretSealed === null
      ? null
      : this.secrets.open(row.deliverySecretSealed, DELIVERY_SECRET_PURPOSE);
  }
}
