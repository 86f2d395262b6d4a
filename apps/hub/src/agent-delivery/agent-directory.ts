import type { AgentStore } from '@switchboard/db';

export interface AgentEndpoint {
  deliveryUrl: string;
  /** Opened from its sealed form once per cache period, not once per message. */
  secret: string | null;
  /** Null: the hub's default retry budget. */
  retryBudgetMs: number | null;
  /** The inbound event kinds the agent takes. */
  eventTypes: readonly string[];
}

/**
 * Where and how to deliver for an agent, cached briefly: every inbound message needs it, and it
 * changes rarely. A changed URL or secret takes effect within `ttlMs`.
 */
export class AgentDirectory {
  readonly #agents: AgentStore;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { expiresAt: number; endpoint: Promise<AgentEndpoint> }>();

  constructor(agents: AgentStore, options: { ttlMs?: number } = {}) {
    this.#agents = agents;
    this.#ttlMs = options.ttlMs ?? 5_000;
  }

  endpoint(workspaceId: string, agentId: string): Promise<AgentEndpoint> {
    const now = Date.now();
    const cached = this.#entries.get(agentId);
    if (cached && cached.expiresAt > now) return cached.endpoint;
    const endpoint = this.#load(workspaceId, agentId);
    this.#entries.set(agentId, { expiresAt: now + this.#ttlMs, endpoint });
    endpoint.catch(() => this.#entries.delete(agentId));
    return endpoint;
  }

  async #load(workspaceId: string, agentId: string): Promise<AgentEndpoint> {
    const agent = await this.#agents.get(workspaceId, agentId);
    return {
      deliveryUrl: agent.deliveryUrl,
      secret: await this.#agents.deliverySecret(agent.id),
      retryBudgetMs: agent.retryBudgetMs,
      eventTypes: agent.eventTypes,
    };
  }
}
