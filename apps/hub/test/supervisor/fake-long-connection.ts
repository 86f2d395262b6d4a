// A long-connection channel with no platform behind it, and the shared "world" that records what
// every instance did, so tests can check across supervisors (replicas) how many were connected.
import {
  type Capabilities,
  Capability,
  type Channel,
  type ChannelContext,
  type ChannelFactory,
  capabilities,
  type Logger,
  type SendResult,
  secret,
} from '@switchboard/core';
import { z } from 'zod';

export const FAKE_LONG = 'fake-long';
export const FAKE_WEBHOOK = 'fake-webhook';
/** Webhook-only, and its factory says so from the stored config (`holdsLongConnection`). */
export const FAKE_WEBHOOK_BY_CONFIG = 'fake-webhook-by-config';

const configSchema = z.object({
  /** `ok` connects, `throw` rejects, `hang` never settles. */
  mode: z.enum(['ok', 'throw', 'hang']).default('ok'),
  label: z.string().optional(),
  token: secret(z.string().min(1)),
});
export type FakeConfig = z.infer<typeof configSchema>;

export interface InstallationRecordings {
  /** Channel instances built for the installation (probes included). */
  created: number;
  connectCalls: number;
  disconnectCalls: number;
  /** Instances connected right now, across every supervisor sharing this world. */
  active: number;
  /** The most instances ever connected at once: must stay at most 1. */
  maxActive: number;
  tokens: string[];
  contexts: ChannelContext[];
}

export class FakeWorld {
  readonly #byInstallation = new Map<string, InstallationRecordings>();

  of(installationId: string): InstallationRecordings {
    let entry = this.#byInstallation.get(installationId);
    if (!entry) {
      entry = {
        created: 0,
        connectCalls: 0,
        disconnectCalls: 0,
        active: 0,
        maxActive: 0,
        tokens: [],
        contexts: [],
      };
      this.#byInstallation.set(installationId, entry);
    }
    return entry;
  }

  lastContext(installationId: string): ChannelContext {
    const context = this.of(installationId).contexts.at(-1);
    if (!context) throw new Error(`installation ${installationId} never connected`);
    return context;
  }
}

class FakeLongChannel implements Channel {
  readonly type: string;
  #connected = false;

  constructor(
    private readonly config: FakeConfig,
    private readonly recordings: InstallationRecordings,
    private readonly longConnection: boolean,
    type: string,
  ) {
    this.type = type;
    recordings.created++;
  }

  capabilities(): Capabilities {
    return this.longConnection
      ? capabilities(Capability.Text, Capability.LongConnection)
      : capabilities(Capability.Text);
  }

  async connect(ctx: ChannelContext): Promise<void> {
    this.recordings.connectCalls++;
    this.recordings.tokens.push(this.config.token);
    this.recordings.contexts.push(ctx);
    if (this.config.mode === 'throw') throw new Error('platform refused the connection');
    if (this.config.mode === 'hang') return new Promise<void>(() => {});
    this.#connected = true;
    this.recordings.active++;
    this.recordings.maxActive = Math.max(this.recordings.maxActive, this.recordings.active);
  }

  async disconnect(): Promise<void> {
    this.recordings.disconnectCalls++;
    if (!this.#connected) return;
    this.#connected = false;
    this.recordings.active--;
  }

  async send(): Promise<SendResult> {
    return { platformMessageId: 'fake-1' };
  }
}

export function createFakeFactory(
  world: FakeWorld,
  options: { type?: string; longConnection?: boolean; answersFromConfig?: boolean } = {},
): ChannelFactory<FakeConfig> {
  const type = options.type ?? FAKE_LONG;
  const longConnection = options.longConnection ?? true;
  return {
    type,
    ...(options.answersFromConfig ? { holdsLongConnection: () => longConnection } : {}),
    displayName: 'Fake long connection',
    configSchema,
    create: (config, deps) =>
      new FakeLongChannel(config, world.of(deps.installationId), options.longConnection ?? true, type),
  };
}

export interface CapturedLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A core Logger that keeps every line, bindings merged in, for asserting on warnings. */
export function captureLogger(
  lines: CapturedLog[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { lines: CapturedLog[] } {
  const at =
    (level: CapturedLog['level']) =>
    (objOrMsg: object | string, msg?: string): void => {
      const fields = typeof objOrMsg === 'string' ? {} : (objOrMsg as Record<string, unknown>);
      lines.push({
        level,
        fields: { ...bindings, ...fields },
        message: typeof objOrMsg === 'string' ? objOrMsg : (msg ?? ''),
      });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(lines, { ...bindings, ...more }),
  };
}
