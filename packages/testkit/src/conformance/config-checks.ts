import { InvalidConfigError, redactSecrets, secretKeys, validateConfig } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import type { ChannelConformanceOptions } from './options.js';

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

export function describeConfigChecks<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
): void {
  const { factory } = options;

  describe('config', () => {
    it('accepts the valid config', () => {
      expect(() => validateConfig(factory, options.validConfig)).not.toThrow();
    });

    for (const [name, input] of Object.entries(options.invalidConfigs)) {
      it(`rejects ${name} with InvalidConfigError`, () => {
        const error = rejection(() => validateConfig(factory, input));
        expect(error).toBeInstanceOf(InvalidConfigError);
        expect((error as InvalidConfigError).issues.length).toBeGreaterThan(0);
      });
    }

    it('marks exactly the credential fields secret, and redacts them', () => {
      expect([...secretKeys(factory.configSchema)].sort()).toEqual([...options.secretKeys].sort());
      const config = validateConfig(factory, options.validConfig);
      const redacted = redactSecrets(factory.configSchema, config);
      for (const key of options.secretKeys) expect(redacted).not.toHaveProperty(key);
    });

    it('accepts an http(s) api_base_url and refuses other schemes', () => {
      const url = 'http://127.0.0.1:9/api/';
      const config = validateConfig(factory, { ...options.validConfig, api_base_url: url });
      expect(config.api_base_url).toBe(url);
      const error = rejection(() =>
        validateConfig(factory, { ...options.validConfig, api_base_url: 'ftp://platform.example/' }),
      );
      expect(error).toBeInstanceOf(InvalidConfigError);
    });
  });
}
