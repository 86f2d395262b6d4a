import { Registry } from '@switchboard/core';
import { createSlackChannelFactory } from '@switchboard/slack';
import { createEchoChannelFactory } from '@switchboard/testkit';

/**
 * The channel types this hub serves. Everything else in the hub asks the registry, never a
 * switch on the type name, so a platform is added here and nowhere else.
 */
export function createChannelRegistry(): Registry {
  return new Registry().register(createEchoChannelFactory()).register(createSlackChannelFactory());
}
