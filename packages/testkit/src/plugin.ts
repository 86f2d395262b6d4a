import { definePlugin } from '@switchboard/core';
import { createEchoChannelFactory } from './echo/channel.js';

/**
 * The echo test channel as a plugin, for hubs started by tests in another process:
 * `SWITCHBOARD_PLUGINS=@switchboard/slack,@switchboard/testkit/plugin`. Never name it in production.
 */
export const echoPlugin = definePlugin({ factories: [createEchoChannelFactory()] });

export default echoPlugin;
