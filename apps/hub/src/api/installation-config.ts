import { type ChannelFactory, mergeSecrets, splitSecrets, validateConfig } from '@switchboard/core';
import { pickPolicy } from '../pipeline/policy.js';

type JsonObject = Record<string, unknown>;

export interface StoredConfig {
  config: JsonObject;
  secrets: JsonObject;
}

/**
 * Validates a full installation config with the adapter's schema (and the hub's policy keys, see
 * pipeline/policy.ts) and splits it into the public part (JSONB column) and the secret part
 * (sealed column).
 */
export function prepareConfig(factory: Pick<ChannelFactory, 'configSchema'>, input: unknown): StoredConfig {
  const valid = validateConfig(factory, input) as JsonObject;
  const policy = typeof input === 'object' && input !== null ? pickPolicy(input as JsonObject) : {};
  const { publicConfig, secrets } = splitSecrets(factory.configSchema, valid);
  return { config: { ...policy, ...publicConfig }, secrets };
}

/**
 * Applies a partial update: keys in the patch replace stored ones (secrets included), keys left
 * out keep their stored value, and the result is validated as a whole.
 */
export function patchConfig(factory: ChannelFactory, stored: StoredConfig, patch: JsonObject): StoredConfig {
  const current = mergeSecrets(stored.config, stored.secrets);
  return prepareConfig(factory, { ...current, ...patch });
}
