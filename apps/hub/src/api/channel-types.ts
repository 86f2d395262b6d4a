import {
  Capability,
  type ChannelFactory,
  capabilityNames,
  type Registry,
  secretKeys,
} from '@switchboard/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireAuth } from '../http/auth.js';
import type { HubRuntime } from '../runtime/open-runtime.js';
import { listPageQuery, pageOf, parseListPage } from './list-page.js';
import { channelTypeSchema } from './responses.js';
import { routeDocs } from './route-docs.js';
import { listResponse } from './schemas.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

/**
 * The factory's config schema as JSON Schema (what a client sends), with every secret field
 * marked `writeOnly`: forms render it as a password input, and the API never returns it.
 */
export function configJsonSchema(factory: Pick<ChannelFactory, 'configSchema'>): JsonSchema {
  const schema = z.toJSONSchema(factory.configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  for (const key of secretKeys(factory.configSchema)) {
    const property = schema.properties?.[key];
    if (property) property.writeOnly = true;
  }
  return schema;
}

export function presentChannelType(factory: ChannelFactory) {
  return {
    type: factory.type,
    displayName: factory.displayName ?? factory.type,
    capabilities: capabilityNames(factory.capabilities ?? 0),
    configSchema: configJsonSchema(factory),
  };
}

/** The channel types this hub serves (its loaded plugins), for forms and docs. */
export const channelTypeRoutes: FastifyPluginAsync<{ runtime: Pick<HubRuntime, 'registry'> }> = async (
  app,
  { runtime },
) => {
  const registry: Registry = runtime.registry;
  // Schemas do not change while the hub runs; convert them once.
  // Account provisioners are installed like channels (their own config, no agent): listed too.
  const items = [
    ...registry.factories().map((factory) => ({ ...presentChannelType(factory), kind: 'channel' })),
    ...registry.provisionerTypes().flatMap((type) => {
      const factory = registry.provisioner(type);
      return factory
        ? [
            {
              type,
              displayName: factory.displayName ?? type,
              capabilities: capabilityNames(Capability.AccountProvisioning),
              configSchema: configJsonSchema(factory),
              kind: 'account-provisioner',
            },
          ]
        : [];
    }),
  ];
  app.get(
    '/api/v1/channel-types',
    {
      schema: routeDocs({
        operationId: 'listChannelTypes',
        tags: ['channel-types'],
        summary: 'Channel types this hub serves: display name, capabilities and config JSON Schema',
        querystring: listPageQuery,
        responses: { 200: listResponse(channelTypeSchema) },
      }),
    },
    async (request) => {
      await requireAuth(request);
      return pageOf(items, parseListPage(request.query), (item) => [item.type]);
    },
  );
};
