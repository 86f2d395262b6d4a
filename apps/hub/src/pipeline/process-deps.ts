import type { Logger, Provisioner } from '@switchboard/core';
import type { Stores } from '@switchboard/db';
import type { AgentDirectory } from '../agent-delivery/agent-directory.js';
import type { AgentPools } from '../agent-delivery/agent-pools.js';
import type { ChannelHost } from '../channels/host.js';
import type { NamespaceBook } from '../identity/namespaces.js';
import type { BackoffPolicy } from '../retry/backoff.js';
import type { AgentCircuits } from '../retry/circuit.js';
import type { BindingLinkOptions } from './binding-link.js';
import type { PipelineMetrics } from './metrics.js';
import type { ProfileCache } from './profile-cache.js';

/**
 * What the stages of inbound processing share (stores, channels, agents, clocks, settings). Its
 * own module, so the stages and the sequence that runs them import it without importing each other.
 */
export interface ProcessEventDeps {
  stores: Stores;
  channels: ChannelHost;
  agents: AgentDirectory;
  logger: Logger;
  metrics?: PipelineMetrics;
  binding: BindingLinkOptions;
  /** Per-agent circuit breakers shared by every worker of the process. */
  circuits: AgentCircuits;
  /** The clock retry budgets are measured on (tests move it). */
  now: () => number;
  /** Claims older than this are taken over by other workers (see InboxStore.claim). */
  staleClaimMs: number;
  /** The identity namespaces and their rules, for resolving senders through the identity graph. */
  namespaces: NamespaceBook;
  /** Told when a platform call refused the installation's credentials (installation status). */
  onCredentialsRefused?(installationId: string, message: string): void;
  /** Absent: installations with `auto_provision` fall back to binding links. */
  provisioning?: { provisioner: Provisioner; profiles: ProfileCache };
  delivery: {
    timeoutMs: number;
    /** Attempts for the hub's own processing failures before the event is dead-lettered. */
    maxAttempts: number;
    /** How long a failing agent is retried (unless the agent sets its own). */
    retryBudgetMs: number;
    backoff: BackoffPolicy;
    /** Keep-alive pools per agent origin (the hub's default); else `fetch`. */
    pools?: AgentPools;
    fetch?: typeof globalThis.fetch;
  };
}
