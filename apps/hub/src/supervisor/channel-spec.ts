import { createHash } from 'node:crypto';
import {
  Capability,
  type Channel,
  type ChannelDeps,
  type ChannelFactory,
  has,
  type Logger,
  validateConfig,
} from '@switchboard/core';
import type { InstallationWithSecrets } from '@switchboard/db';

/** Everything needed to open one installation's connection, fixed for one config version. */
export interface ChannelSpec {
  installationId: string;
  workspaceId: string;
  channelType: string;
  /** Hash of the validated config with secrets; a change means the connection must restart. */
  fingerprint: string;
  /** The platform's heartbeat window (`ChannelFactory.heartbeatMs`), when it declares one. */
  heartbeatMs?: number;
  /** A fresh channel per connection attempt, so no state leaks from a failed connection. */
  create(): Channel;
}

export type DescribedInstallation =
  | { kind: 'long-connection'; spec: ChannelSpec }
  | { kind: 'not-long-connection'; fingerprint: string }
  | { kind: 'invalid'; fingerprint: string; error: Error };

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Stable across key order, so re-saving the same config does not restart a connection. */
export function configFingerprint(channelType: string, config: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson({ channelType, config })).digest('hex');
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** How channels reach their platform: the egress-checked fetch and name lookup. */
export type ChannelTransport = Pick<ChannelDeps, 'fetch' | 'lookup'>;

/**
 * Validates an installation's config and decides whether it is a long-connection channel. The
 * capability bits live on the channel, not the factory, so a probe channel is created (never
 * connected); `known` carries the previous answer for an unchanged fingerprint to skip that.
 */
export function describeInstallation(
  factory: ChannelFactory,
  installation: InstallationWithSecrets,
  logger: Logger,
  known?: { fingerprint: string; longConnection: boolean },
  transport: ChannelTransport = {},
): DescribedInstallation {
  const merged = { ...installation.config, ...installation.secrets };
  const fingerprint = configFingerprint(installation.channelType, merged);
  let config: Record<string, unknown>;
  try {
    config = validateConfig(factory, merged);
  } catch (error) {
    return { kind: 'invalid', fingerprint, error: asError(error) };
  }
  const channelLogger = logger.child({
    installationId: installation.id,
    channelType: installation.channelType,
  });
  const create = () =>
    factory.create(config, { installationId: installation.id, logger: channelLogger, ...transport });
  let longConnection = known?.fingerprint === fingerprint ? known.longConnection : undefined;
  if (longConnection === undefined) {
    try {
      longConnection = has(create().capabilities(), Capability.LongConnection);
    } catch (error) {
      return { kind: 'invalid', fingerprint, error: asError(error) };
    }
  }
  if (!longConnection) return { kind: 'not-long-connection', fingerprint };
  return {
    kind: 'long-connection',
    spec: {
      installationId: installation.id,
      workspaceId: installation.workspaceId,
      channelType: installation.channelType,
      fingerprint,
      ...(factory.heartbeatMs ? { heartbeatMs: factory.heartbeatMs } : {}),
      create,
    },
  };
}
