import {
  type ChannelFactory,
  configKeys,
  InvalidConfigError,
  mergeSecrets,
  type PrepareConfigDeps,
  splitSecrets,
  unknownKeyIssues,
  validateConfig,
} from '@switchboard/core';
import { pickPolicy, policyKeys } from '../pipeline/policy.js';

type JsonObject = Record<string, unknown>;

export interface StoredConfig {
  config: JsonObject;
  secrets: JsonObject;
}

/** Refuses keys neither the adapter nor the hub's policy knows, naming the nearest known one. */
export function rejectUnknownKeys(factory: Pick<ChannelFactory, 'configSchema'>, input: unknown): void {
  const issues = unknownKeyIssues(input, [...configKeys(factory.configSchema), ...policyKeys]);
  if (issues.length > 0) throw new InvalidConfigError(issues);
}

/**
 * Validates a full installation config with the adapter's schema (and the hub's policy keys, see
 * pipeline/policy.ts) and splits it into the public part (JSONB column) and the secret part
 * (sealed column).
 */
export function prepareConfig(factory: Pick<ChannelFactory, 'configSchema'>, input: unknown): StoredConfig {
  rejectUnknownKeys(factory, input);
  const valid = validateConfig(factory, input) as JsonObject;
  const policy = typeof input === 'object' && input !== null ? pickPolicy(input as JsonObject) : {};
  const { publicConfig, secrets } = splitSecrets(factory.configSchema, valid);
  return { config: { ...policy, ...publicConfig }, secrets };
}

/**
 * What an install or a config change stores: the keys are checked first (a typo never reaches the
 * platform), then the adapter's `prepareConfig` asks the platform what it can fill in and refuses
 * credentials it rejects, then the result is validated and split.
 */
export async function installConfig(
  factory: ChannelFactory,
  input: JsonObject,
  deps: PrepareConfigDeps,
): Promise<StoredConfig> {
  rejectUnknownKeys(factory, input);
  const resolved = factory.prepareConfig ? await factory.prepareConfig(input, deps) : input;
  return prepareConfig(factory, resolved);
}

/**
 * Applies a partial update: keys in the patch replace stored ones (secrets included), keys left
 * out keep their stored value, and the result is prepared as a whole.
 */
/**
 * The patched config of an account-provisioner installation: the same merge as for channels
 * (omitted keys, secrets included, keep their value), validated by the provisioner's schema.
 */
export function patchProvisionerConfig(
  factory: Pick<ChannelFactory, 'configSchema'>,
  stored: StoredConfig,
  patch: JsonObject,
): StoredConfig {
  rejectUnknownKeys(factory, patch);
  return prepareConfig(factory, { ...mergeSecrets(stored.config, stored.secrets), ...patch });
}

export async function patchConfig(
  factory: ChannelFactory,
  stored: StoredConfig,
  patch: JsonObject,
  deps: PrepareConfigDeps,
): Promise<StoredConfig> {
  rejectUnknownKeys(factory, patch);
  return installConfig(factory, { ...mergeSecrets(stored.config, stored.secrets), ...patch }, deps);
}
