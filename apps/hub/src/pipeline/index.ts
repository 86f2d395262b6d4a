import type { EgressLookup, Logger, Provisioner } from '@switchboard/core';
import type { ClaimedInboxRow, ClaimedOutbound } from '@switchboard/db';
import { AgentDirectory } from '../agent-delivery/agent-directory.js';
import type { AgentPools } from '../agent-delivery/agent-pools.js';
import { ChannelHost } from '../channels/host.js';
import { RetentionJob, retentionFor } from '../jobs/retention.js';
import { OutboundQueue } from '../outbound/outbound-queue.js';
import { sendOutboundRow } from '../outbound/send-outbound.js';
import { AgentCircuits } from '../retry/circuit.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { EventRecorder } from './event-recorder.js';
import { InboxWriter } from './inbox-writer.js';
import type { PipelineMetrics } from './metrics.js';
import { processInboxRow } from './process-event.js';
import { ProfileCache } from './profile-cache.js';
import type { PipelineSettings } from './settings.js';
import { WorkerLoop } from './worker-loop.js';

export interface PipelineOptions {
  runtime: HubRuntime;
  logger: Logger;
  settings: PipelineSettings;
  metrics?: PipelineMetrics;
  /** Every outbound HTTP call of channels, and of agent deliveries unless `agentPools` is given. */
  fetch?: typeof globalThis.fetch;
  /** Keep-alive pools for agent deliveries; the pipeline closes them when it stops. */
  agentPools?: AgentPools;
  /** The egress-checked name lookup for channels whose SDK opens its own sockets. */
  lookup?: EgressLookup;
  /** Creates users for first-contact senders on installations with `auto_provision`. */
  provisioner?: Provisioner;
  /** The clock retry budgets and circuits run on; tests move it instead of waiting hours. */
  now?: () => number;
  /** Told about recorded events and sent messages (the installation status reporter). */
  activity?: {
    inbound(installationId: string): void;
    outbound(installationId: string): void;
    /** A platform call (a send, a directory lookup) refused the installation's credentials. */
    credentialsRefused?(installationId: string, message: string): void;
  };
}

/**
 * The inbound pipeline and the outbound queue of one hub process:
 * ingress -> recorder (inbox) -> inbox workers -> agent; agent -> outbound queue -> channel.
 * Workers and the retention job start with `start()`; ingress works without them (it only
 * records), which is what a replica with workers parked would do.
 */
export class Pipeline {
  readonly channels: ChannelHost;
  readonly recorder: EventRecorder;
  readonly retention: RetentionJob;
  /** Per-agent circuit breakers of this process (agent health API, metrics). */
  readonly circuits: AgentCircuits;
  /** Messages for platforms: agent replies and binding links. */
  readonly outbound: OutboundQueue;
  readonly #inboxWorker: WorkerLoop<ClaimedInboxRow>;
  readonly #outboundWorker: WorkerLoop<ClaimedOutbound>;
  readonly #agentPools: AgentPools | undefined;

  constructor(options: PipelineOptions) {
    const { runtime, logger, settings, metrics } = options;
    const { stores } = runtime;
    const agents = new AgentDirectory(stores.agents);
    this.#agentPools = options.agentPools;
    const now = options.now ?? Date.now;
    this.circuits = new AgentCircuits({ ...settings.delivery.circuit, now });
    const circuits = this.circuits;
    const heartbeatMs = Math.max(50, Math.floor(settings.staleClaimMs / 3));
    if (metrics) {
      metrics.sources.openCircuits = () => circuits.openCount();
      metrics.sources.heldConversations = () => stores.inbox.heldConversations();
    }
    this.outbound = new OutboundQueue(stores.outbound, () => this.#outboundWorker.wake());
    const provisioning = options.provisioner
      ? { provisioner: options.provisioner, profiles: new ProfileCache() }
      : undefined;
    this.recorder = new EventRecorder({
      writer: new InboxWriter(stores.inbox),
      audit: stores.audit,
      logger,
      onRecorded: (installationId) => {
        this.#inboxWorker.wake();
        options.activity?.inbound(installationId);
      },
    });
    this.channels = new ChannelHost({
      installations: stores.installations,
      registry: runtime.registry,
      logger,
      emit: async (installation, event) => {
        await this.recorder.record(installation, [event]);
      },
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(options.provisioner ? { provisioner: options.provisioner } : {}),
    });
    this.#inboxWorker = new WorkerLoop({
      name: 'inbox',
      logger,
      concurrency: settings.workerConcurrency,
      idlePollMs: settings.idlePollMs,
      claim: (limit) => stores.inbox.claim(limit, settings.staleClaimMs),
      heartbeat: { everyMs: heartbeatMs, renew: (rows) => stores.inbox.heartbeat(rows) },
      process: (row) =>
        processInboxRow(row, {
          stores,
          channels: this.channels,
          namespaces: runtime.namespaces,
          agents,
          circuits,
          now,
          logger,
          ...(metrics ? { metrics } : {}),
          delivery: {
            ...settings.delivery,
            ...(options.agentPools
              ? { pools: options.agentPools }
              : options.fetch
                ? { fetch: options.fetch }
                : {}),
          },
          ...(provisioning ? { provisioning } : {}),
          ...(options.activity?.credentialsRefused
            ? { onCredentialsRefused: options.activity.credentialsRefused }
            : {}),
          staleClaimMs: settings.staleClaimMs,
          binding: {
            linkBaseUrl: settings.linkBaseUrl,
            reply: (installation, message, text, idempotencyKey) =>
              this.outbound
                .enqueue({
                  installation,
                  chatId: message.source.chatId,
                  message: { text, ...(message.reply ? { reply: message.reply } : {}) },
                  idempotencyKey,
                })
                .then(() => undefined),
          },
        }),
    });
    this.#outboundWorker = new WorkerLoop({
      name: 'outbound',
      logger,
      concurrency: settings.workerConcurrency,
      idlePollMs: settings.idlePollMs,
      claim: (limit) => stores.outbound.claim(limit, settings.staleClaimMs),
      heartbeat: { everyMs: heartbeatMs, renew: (rows) => stores.outbound.heartbeat(rows) },
      process: (row) =>
        sendOutboundRow(row, {
          outbound: stores.outbound,
          channels: this.channels,
          logger,
          ...(metrics ? { metrics } : {}),
          maxAttempts: settings.outbound.maxAttempts,
          backoff: settings.outbound.backoff,
          sendTimeoutMs: settings.outbound.timeoutMs,
          staleClaimMs: settings.staleClaimMs,
          ...(options.activity ? { onSent: options.activity.outbound } : {}),
          ...(options.activity?.credentialsRefused
            ? { onCredentialsRefused: options.activity.credentialsRefused }
            : {}),
        }),
    });
    this.retention = new RetentionJob({
      store: stores.retention,
      logger,
      policy: retentionFor(settings.retention, runtime.registry.factories()),
      intervalMs: settings.retentionIntervalMs,
    });
  }

  /** Something became due in the inbox (e.g. a dead letter was re-queued). */
  wakeInbox(): void {
    this.#inboxWorker.wake();
  }

  start(): void {
    this.#inboxWorker.start();
    this.#outboundWorker.start();
    this.retention.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#inboxWorker.stop(), this.#outboundWorker.stop(), this.retention.stop()]);
    await Promise.all([this.channels.close(), this.#agentPools?.close()]);
  }
}
