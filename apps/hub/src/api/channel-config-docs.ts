import type { Registry } from '@switchboard/core';
import { z } from 'zod';
import { configJsonSchema } from './channel-types.js';

/** The OpenAPI component holding a channel type's config schema, e.g. `ChannelConfig_<type>`. */
export function channelConfigComponent(type: string): string {
  return `ChannelConfig_${type.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** One component per channel type the hub serves (secrets marked writeOnly), for the document. */
export function channelConfigComponents(registry: Registry): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    registry.factories().map((factory) => {
      const { $schema: _dialect, ...schema } = configJsonSchema(factory);
      return [channelConfigComponent(factory.type), schema];
    }),
  );
}

/**
 * How an installation's `config` is documented: one of the channel types' config schemas (the
 * one named by `channelType`). Documentation only: the handler validates with the factory itself.
 */
export function channelConfigDoc(registry: Registry): z.ZodType {
  const oneOf = registry
    .factories()
    .map((factory) => ({ $ref: `#/components/schemas/${channelConfigComponent(factory.type)}` }));
  return z
    .unknown()
    .meta({
      description: 'The config of the channel type named by `channelType` (its ChannelConfig_<type> schema)',
      ...(oneOf.length > 0 ? { oneOf } : {}),
    })
    .optional();
}
