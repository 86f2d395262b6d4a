import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  API_VERSION,
  type ChannelFactory,
  checkPlugin,
  DuplicateChannelTypeError,
  definePlugin,
  InvalidPluginError,
  Registry,
} from '../src/index.js';

const factory = (type: string): ChannelFactory => ({
  type,
  configSchema: z.object({}),
  create: () => {
    throw new Error('not needed');
  },
});

describe('definePlugin / checkPlugin', () => {
  it('stamps the API version and passes the check', () => {
    const plugin = definePlugin({ factories: [factory('acme')] });
    expect(plugin.apiVersion).toBe(API_VERSION);
    expect(checkPlugin(plugin, 'acme-pkg')).toBe(plugin);
  });

  it('refuses what is not a plugin, naming the package and every problem', () => {
    const refusal = (value: unknown) => {
      try {
        checkPlugin(value, 'pkg');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidPluginError);
        return (error as InvalidPluginError).message;
      }
      throw new Error('accepted');
    };
    expect(refusal(undefined)).toContain('plugin "pkg" cannot be loaded: it has no default export');
    expect(refusal(42)).toContain('is not a plugin object');
    expect(refusal({ factories: [] })).toContain('targets plugin API no apiVersion');
    expect(refusal({ apiVersion: API_VERSION + 1, factories: [] })).toContain(
      `version ${API_VERSION + 1}; this hub supports version ${API_VERSION}`,
    );
    expect(refusal({ apiVersion: API_VERSION, factories: [] })).toContain(
      'declares no factories, provisioners or namespaces',
    );
    expect(refusal({ apiVersion: API_VERSION, factories: {} })).toContain('factories must be an array');
    expect(
      refusal({ apiVersion: API_VERSION, factories: [{ type: 'ok', configSchema: z.object({}) }] }),
    ).toContain('factory "ok": create must be a function');
    expect(
      refusal({ apiVersion: API_VERSION, factories: [{ ...factory('ok'), redeliveryWindowMs: '7d' }] }),
    ).toContain('factory "ok": redeliveryWindowMs must be a whole number of milliseconds');
    expect(refusal({ apiVersion: API_VERSION, factories: [factory('ok')], provisioners: 'x' })).toContain(
      'provisioners must be an array',
    );
    const routed = { ...factory('ok'), appRoute: { appKeyField: 'app_key', verify: () => ({ ok: true }) } };
    const refused = refusal({ apiVersion: API_VERSION, factories: [routed] });
    expect(refused).toContain('factory "ok": appRoute.installationKeyField must name a config key');
    expect(refused).toContain('factory "ok": appRoute.route must be a function');
  });
});

describe('Registry.registerPlugin', () => {
  it('registers factories and provisioners, and refuses a type two plugins claim', () => {
    const provisioner = {
      type: 'acme-invite',
      configSchema: z.object({}),
      create: () => ({ createAccount: async () => ({ status: 'already_exists' as const }) }),
    };
    const registry = new Registry().registerPlugin(
      definePlugin({ factories: [factory('acme')], provisioners: [provisioner] }),
      'acme-pkg',
    );
    expect(registry.types()).toEqual(['acme']);
    expect(registry.provisionerTypes()).toEqual(['acme-invite']);
    expect(registry.provisioner('acme-invite')).toBe(provisioner);
    expect(() =>
      registry.registerPlugin(definePlugin({ factories: [factory('acme')] }), 'other-pkg'),
    ).toThrow(DuplicateChannelTypeError);
  });
});

describe('identity namespaces of plugins', () => {
  const rules = {
    scheme: 'acme_user',
    format: 'an Acme user id',
    normalize: (id: string) => id.toLowerCase(),
  };

  it('collects the namespace rules plugins contribute, and refuses a scheme two plugins claim', () => {
    const registry = new Registry().registerPlugin(
      definePlugin({ factories: [factory('acme')], namespaces: [rules] }),
      'acme-pkg',
    );
    expect(registry.namespaceRules()).toEqual([rules]);
    expect(() =>
      registry.registerPlugin(
        definePlugin({ factories: [factory('acme2')], namespaces: [rules] }),
        'other-pkg',
      ),
    ).toThrow(/acme_user.*acme-pkg.*other-pkg/);
  });

  it('accepts a plugin that only contributes namespaces', () => {
    expect(
      checkPlugin(definePlugin({ factories: [], namespaces: [rules] }), 'rules-only').namespaces,
    ).toEqual([rules]);
  });

  it('refuses malformed namespace rules, naming each problem', () => {
    const error = (() => {
      try {
        checkPlugin(
          {
            apiVersion: API_VERSION,
            factories: [factory('acme')],
            namespaces: [{ scheme: 'Acme:X', normalize: 1 }],
          },
          'bad-rules',
        );
      } catch (e) {
        return e as InvalidPluginError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(InvalidPluginError);
    expect(error.message).toContain('namespaces[0].scheme must be a lower-case name');
    expect(error.message).toContain('namespaces[0].format must describe the identifier');
    expect(error.message).toContain('namespaces[0].normalize must be a function');
  });
});
