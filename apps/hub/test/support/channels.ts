import type { Registry } from '@switchboard/core';
import slackPlugin from '@switchboard/slack';
import { echoPlugin } from '@switchboard/testkit';
import { createChannelRegistry } from '../../src/channels/registry.js';

/**
 * What in-process tests serve: the first-party plugins plus the echo test channel, which no
 * production hub registers. Pass another registry (`parts.registry`) for other channels.
 */
export function testChannelRegistry(): Registry {
  return createChannelRegistry([
    { name: '@switchboard/slack', plugin: slackPlugin },
    { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
  ]);
}
