import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Channel, type ChannelFactory, Registry, UnknownChannelTypeError } from '../src/index.js';

function fakeFactory(type: string, displayName = type): ChannelFactory<{ token?: string }> {
  return {
    type,
    displayName,
    configSchema: z.object({ token: z.string().optional() }),
    create: () => ({}) as Channel,
  };
}

describe('Registry', () => {
  it('finds a registered factory by type', () => {
    const registry = new Registry().register(fakeFactory('slack'));
    expect(registry.has('slack')).toBe(true);
    expect(registry.get('slack').displayName).toBe('slack');
  });

  it('replaces a factory registered again under the same type (last writer wins)', () => {
    const registry = new Registry()
      .register(fakeFactory('echo', 'first'))
      .register(fakeFactory('echo', 'second'));
    expect(registry.get('echo').displayName).toBe('second');
    expect(registry.types()).toEqual(['echo']);
  });

  it('lists types and factories sorted by type', () => {
    const registry = new Registry()
      .register(fakeFactory('slack'))
      .register(fakeFactory('echo'))
      .register(fakeFactory('feishu'));
    expect(registry.types()).toEqual(['echo', 'feishu', 'slack']);
    expect(registry.factories().map((factory) => factory.type)).toEqual(['echo', 'feishu', 'slack']);
  });

  it('rejects an unknown type, naming the registered types', () => {
    const registry = new Registry().register(fakeFactory('slack')).register(fakeFactory('echo'));
    expect(registry.has('foo')).toBe(false);
    let error: unknown;
    try {
      registry.get('foo');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownChannelTypeError);
    expect(error).toMatchObject({
      code: 'unknown_channel_type',
      channelType: 'foo',
      registeredTypes: ['echo', 'slack'],
      message: 'unknown channel type "foo"; registered types: echo, slack',
    });
  });

  it('says so when nothing is registered', () => {
    expect(() => new Registry().get('foo')).toThrow('unknown channel type "foo"; registered types: (none)');
  });
});
