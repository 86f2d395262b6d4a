import type { Registry } from '@switchboard/core';
import slackPlugin from '@switchboard/slack';
import { echoPlugin } from '@switchboard/testkit';
import { createChannelRegistry } from '../../src/channels/registry.js';
import { platformNamespacesPlugin } from '../fixtures/platform-namespaces.js';

/**
 * What in-process tests serve: the first-party plugins plus the echo test channel, which no
 * production hub registers, and the identity namespaces of platforms without an adapter yet. Pass another registry (`parts.registry`) for other channels.
 */
export function testChannelRegistry(): Registry {
  return createChannelRegistry([
    { name: '@switchboard/slack', plugin: slackPlugin },
    { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
    { name: 'platform-namespaces (test fixture)', plugin: platformNamespacesPlugin },
  ]);
}
