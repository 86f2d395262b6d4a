import type { z } from 'zod';
import type { AppRoute } from './app-route.js';
import { type Capabilities, Capability, has } from './capability.js';
import type { InboundEvent } from './envelope/events.js';
import type { InboundMessage, MediaRef, Sender, Source } from './envelope/inbound.js';
import type { OutboundMessage, SendResult } from './envelope/outbound.js';
import type { Logger } from './logger.js';
import type {
  AccountProvisioner,
  DirectoryProfile,
  IdentityKey,
  IdentityNamespace,
  Provisioner,
} from './provisioning.js';
import type { WebhookHandler } from './webhook.js';

/** What the hub hands a channel when it starts an installation. */
export interface ChannelContext {
  installationId: string;
  workspaceId: string;
  logger: Logger;
  /** Aborted when the hub stops the installation; long-running loops must end on it. */
  signal: AbortSignal;
  /** Long-connection channels push events here; resolves once the event is durably recorded. */
  emit(event: InboundEvent): Promise<void>;
  /**
   * Long-connection channels call this when their connection ends without `disconnect()` being
   * asked for (server closed it, network dropped). The supervisor then reconnects with backoff.
   */
  reportConnectionLost?(error: Error): void;
  /**
   * Long-connection channels may call this on every sign of life of their connection (a pong, a
   * ping from the platform, any frame). A channel that calls it once is then expected to keep
   * calling it at least once per heartbeat interval: its factory's `heartbeatMs`, or
   * `intervalMs` when the platform itself says how often to expect one (Feishu's pong carries
   * its ping interval). The hub, not the channel, owns staleness: a connection that misses a few
   * intervals in a row is restarted with backoff and counted against the restart budget.
   * Channels that never call it are judged by their lease alone.
   */
  reportAlive?(heartbeat?: { intervalMs?: number }): void;
  provisioner?: Provisioner;
}

/** One running installation of a platform. Optional members exist iff the matching capability is declared. */
export interface Channel {
  readonly type: string;
  capabilities(): Capabilities;
  connect(ctx: ChannelContext): Promise<void>;
  disconnect(): Promise<void>;
  send(msg: OutboundMessage): Promise<SendResult>;
  /**
   * `Capability.Media` (optional even then: some platforms hand out plain URLs). The bytes of an
   * inbound `MediaRef`, read lazily and never more than `maxBytes`: rejects with
   * `MediaNotFoundError` when the platform has no such media, `MediaTooLargeError` above the cap,
   * and `PlatformError` for anything else the platform answers.
   */
  downloadMedia?(ref: MediaRef, options: { maxBytes: number }): Promise<DownloadedMedia>;
  /** `Capability.Edit` */
  update?(platformMessageId: string, msg: OutboundMessage): Promise<SendResult>;
  /** `Capability.Webhook` */
  readonly webhook?: WebhookHandler;
  /** `Capability.AutoProvision` */
  fetchProfile?(sender: Sender): Promise<DirectoryProfile>;
  /** `Capability.AutoProvision`: the identity namespace `fetchProfile().canonicalId` lives in. */
  readonly identityNamespace?: IdentityNamespace;
  /**
   * The tenant (workspace, organisation) this installation belongs to, configured or detected at
   * connect time; undefined where the platform has no tenants or it is not known yet.
   */
  homeTenant?(): string | undefined;
  /**
   * The platform app this installation is (Slack `api_app_id`, Feishu `app_id`, ...); an event
   * whose `source.appId` differs is refused before identity resolution (`wrong_app`).
   */
  homeApp?(): string | undefined;
  /** `Capability.AccountProvisioning` */
  readonly accounts?: AccountProvisioner;
  /**
   * The identities a sender's platform id stands for (Slack: `slack` `<team>:<user>`; a phone
   * platform: `phone` E.164 and its JID), so the hub can recognise a person whose identity is
   * already known (a verified phone, an identity an admin of this workspace linked). Omit it and
   * senders are recognised only by their bindings.
   */
  senderIdentities?(source: Source): IdentityKey[];
  /**
   * True where anyone can type a sender's identity (a phone number): an identity an admin merely
   * asserted then names nobody until its owner proves it (a code sent to it, a binding link), so a
   * mistyped number never routes a stranger's messages as a member. Default false.
   */
  readonly provenIdentitiesOnly?: boolean;
  /**
   * The chat to send a one-time code to, proving `key` (a phone, a JID) belongs to whoever reads
   * it; undefined when this channel cannot reach that identity.
   */
  verificationChatId?(key: IdentityKey): string | undefined;
  /**
   * The message text with the platform's mention markup removed (`<@U123>`, `@_user_1`), so the
   * hub can recognise commands such as `/link` typed after a mention. Default: the text as is.
   */
  commandText?(message: InboundMessage): string;
}

/** What `Channel.downloadMedia` answers. */
export interface DownloadedMedia {
  bytes: Uint8Array;
  mimeType?: string;
  name?: string;
}

export interface ChannelDeps {
  installationId: string;
  logger: Logger;
  /**
   * For adapters that call their platform with `fetch`, so tests and egress proxies see those calls;
   * defaults to global fetch. Adapters built on a platform SDK (Slack) use the SDK's own transport.
   */
  fetch?: typeof globalThis.fetch;
  /**
   * The name lookup of the operator's egress policy, in the shape of `net.connect`'s `lookup`
   * option. Adapters whose SDK opens its own sockets (Slack) give it to their HTTP agent, so the
   * address a connection actually goes to is checked, and a name that resolves to a private
   * address later (DNS rebinding) is still refused. IP literals never reach a lookup: the hub
   * checks those in the config before an installation is stored.
   */
  lookup?: EgressLookup;
}

/** What `ChannelFactory.prepareConfig` may use: a logger and the outbound HTTP of the hub. */
export interface PrepareConfigDeps {
  logger: Logger;
  fetch?: typeof globalThis.fetch;
}

/** Structurally `net.LookupFunction`, so core needs no Node types. */
export type EgressLookup = (
  hostname: string,
  options: { family?: number | string; all?: boolean; hints?: number },
  callback: (
    error: Error | null,
    address: string | { address: string; family: number }[],
    family?: number,
  ) => void,
) => void;

export interface ChannelFactory<C extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: string;
  /** Shown in forms and docs; defaults to `type`. */
  readonly displayName?: string;
  /**
   * Every capability an installation of this type may declare (the union over its configs), for
   * `GET /api/v1/channel-types`; a running channel's own `capabilities()` is what the hub obeys.
   */
  readonly capabilities?: Capabilities;
  /** A `z.object`; mark credentials with `secret(...)` so the hub seals them. */
  readonly configSchema: z.ZodType<C>;
  create(config: C, deps: ChannelDeps): Channel;
  /**
   * Runs when an installation is created or its config changes, before validation: asks the
   * platform what it can tell (ids of the app, tenant, bot) and fills them in, and refuses
   * credentials the platform rejects with `ConfigRejectedError`. Returns the config to validate.
   */
  prepareConfig?(input: Record<string, unknown>, deps: PrepareConfigDeps): Promise<Record<string, unknown>>;
  /** Present when the platform sends every installation's events of one app to one URL. */
  readonly appRoute?: AppRoute<C>;
  /**
   * How long the platform keeps redelivering an event it thinks was not received (WhatsApp: up to
   * 7 days). The hub keeps its dedup records at least this long, so a late retry is recognised.
   */
  readonly redeliveryWindowMs?: number;
  /**
   * The platform's heartbeat interval: how often a healthy long connection shows a sign of life
   * (see `ChannelContext.reportAlive`). The hub calls a connection stale after it misses a few.
   */
  readonly heartbeatMs?: number;
  /**
   * Whether an installation with this stored config (its non-secret fields, not yet validated)
   * holds a long connection, e.g. `config.mode === 'socket'`. Lets the hub skip decrypting and
   * building a channel for every installation just to ask; it must agree with the channel's
   * `capabilities()`. Without it the hub asks a probe channel.
   */
  holdsLongConnection?(config: Readonly<Record<string, unknown>>): boolean;
  /**
   * What an operator does in the platform's own settings to point it at this installation, one
   * short step each, e.g. `Event Subscriptions → Request URL: <webhookUrl>`. Shown beside the
   * webhook URL in the console.
   */
  setupSteps?(webhookUrl: string): string[];
}

/** One installation row: which factory, and its validated config (secrets merged back in). */
export interface ChannelConfig {
  channelType: string;
  config: Record<string, unknown>;
}

const capabilityMembers: ReadonlyArray<{ flag: number; flagName: string; member: keyof Channel }> = [
  { flag: Capability.Webhook, flagName: 'Webhook', member: 'webhook' },
  { flag: Capability.Edit, flagName: 'Edit', member: 'update' },
  { flag: Capability.AutoProvision, flagName: 'AutoProvision', member: 'fetchProfile' },
  { flag: Capability.AccountProvisioning, flagName: 'AccountProvisioning', member: 'accounts' },
];

/**
 * Members that need their flag but that the flag does not need: a channel may declare `Media`
 * (it sends `OutboundMessage.media`) on a platform whose inbound media need no download call.
 */
const flagRequiringMembers: ReadonlyArray<{ flag: number; flagName: string; member: keyof Channel }> = [
  { flag: Capability.Media, flagName: 'Media', member: 'downloadMedia' },
];

/**
 * Mismatches between the capabilities a channel declares and the members it implements, one
 * sentence each; empty when honest. The hub trusts the bits, so a lie here breaks routing.
 */
export function checkDeclaredCapabilities(channel: Channel): string[] {
  const declared = channel.capabilities();
  const problems: string[] = [];
  for (const { flag, flagName, member } of capabilityMembers) {
    const implemented = channel[member] !== undefined;
    if (has(declared, flag) && !implemented) {
      problems.push(`declares ${flagName} but does not implement ${member}`);
    } else if (!has(declared, flag) && implemented) {
      problems.push(`implements ${member} but does not declare ${flagName}`);
    }
  }
  for (const { flag, flagName, member } of flagRequiringMembers) {
    if (!has(declared, flag) && channel[member] !== undefined) {
      problems.push(`implements ${member} but does not declare ${flagName}`);
    }
  }
  return problems;
}
