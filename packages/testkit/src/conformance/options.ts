import type { ChannelFactory, OutboundTarget } from '@switchboard/core';

/** A running fake of the platform, started fresh for each test that talks to it. */
export interface ConformancePlatform {
  /** Goes into the config's `api_base_url`. */
  apiBaseUrl: string;
  /** The text the platform now holds for a message the channel sent, or undefined if it has none. */
  messageText(target: OutboundTarget, platformMessageId: string): string | undefined;
  /**
   * Long-connection channels: resolves once exactly `count` connections are open on the platform,
   * so the suite can see that `connect` opened one and `disconnect` closed it.
   */
  waitForConnections?(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A raw webhook body as the platform posts it. */
export interface ConformanceFixture {
  name: string;
  body: string | Uint8Array;
}

export interface ChannelConformanceOptions<C extends Record<string, unknown>> {
  /** Names the `describe` block; defaults to `<factory.type> channel conformance`. */
  name?: string;
  factory: ChannelFactory<C>;
  /** A config input that must validate, without `api_base_url` (the suite adds the fake's). */
  validConfig: Record<string, unknown>;
  /** Inputs that must fail with `InvalidConfigError`, each named for the test output. */
  invalidConfigs: Record<string, unknown>;
  /** The top-level config keys that must be marked `secret(...)`, and no others. */
  secretKeys: string[];
  startPlatform(): Promise<ConformancePlatform>;
  /** Required iff the channel declares `Webhook`. */
  webhook?: {
    /** Every one must verify and parse; together they must yield at least one message. */
    fixtures: ConformanceFixture[];
    /** The headers the platform would send with `rawBody` signed at `timestampSeconds`. */
    sign(rawBody: Uint8Array, options: { timestampSeconds: number }): Record<string, string>;
  };
  /** Where `send` (and `update`, if declared) is tried; the fake must accept them. */
  sendTargets: OutboundTarget[];
}
