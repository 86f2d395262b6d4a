import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  apiBaseUrlField,
  type ChannelFactory,
  InvalidConfigError,
  mergeSecrets,
  nearestKey,
  redactSecrets,
  secret,
  secretFields,
  secretKeys,
  splitSecrets,
  unknownKeyIssues,
  validateConfig,
} from '../src/index.js';

const schema = z.object({
  signingSecret: secret(z.string().min(1)),
  botToken: secret(z.string()).optional(),
  appSecret: secret(z.string().optional()),
  encryptKey: secret(z.string()).default('none'),
  refinedToken: secret(z.string()).min(4).describe('still secret after a clone').optional(),
  appId: z.string(),
  apiBaseUrl: apiBaseUrlField,
});

const factory: ChannelFactory<z.infer<typeof schema>> = {
  type: 'test',
  displayName: 'Test',
  configSchema: schema,
  create: () => {
    throw new Error('not needed');
  },
};

describe('secret marking', () => {
  it('registers a marked schema in secretFields', () => {
    const field = secret(z.string());
    expect(secretFields.get(field)).toEqual({ secret: true });
    expect(secretFields.get(z.string())).toBeUndefined();
  });

  it('finds secret keys, including ones wrapped in optional/default after or before marking', () => {
    expect(secretKeys(schema)).toEqual([
      'signingSecret',
      'botToken',
      'appSecret',
      'encryptKey',
      'refinedToken',
    ]);
  });

  it('finds no secret keys in a schema without marks, or in a non-object schema', () => {
    expect(secretKeys(z.object({ appId: z.string() }))).toEqual([]);
    expect(secretKeys(z.string())).toEqual([]);
  });
});

describe('validateConfig', () => {
  it('returns the parsed config with defaults applied', () => {
    const config = validateConfig(factory, { signingSecret: 's', appId: 'a' });
    expect(config).toEqual({ signingSecret: 's', appId: 'a', encryptKey: 'none' });
  });

  it('throws InvalidConfigError carrying zod issues', () => {
    let error: unknown;
    try {
      validateConfig(factory, { signingSecret: '', apiBaseUrl: 'not a url' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    const paths = (error as InvalidConfigError).issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['signingSecret', 'appId', 'apiBaseUrl']));
  });

  it('accepts only http(s) API base URLs', () => {
    expect(apiBaseUrlField.safeParse('http://127.0.0.1:9999/api').success).toBe(true);
    expect(apiBaseUrlField.safeParse(undefined).success).toBe(true);
    expect(apiBaseUrlField.safeParse('file:///etc/passwd').success).toBe(false);
  });
});

describe('splitting and merging secrets', () => {
  const config = {
    signingSecret: 's3cr3t',
    botToken: 'xoxb',
    appId: 'A1',
    apiBaseUrl: 'http://localhost:1',
    appSecret: undefined,
  };

  it('separates secret fields from public ones and drops undefined values', () => {
    expect(splitSecrets(schema, config)).toEqual({
      publicConfig: { appId: 'A1', apiBaseUrl: 'http://localhost:1' },
      secrets: { signingSecret: 's3cr3t', botToken: 'xoxb' },
    });
  });

  it('merges the halves back into the original config', () => {
    const { publicConfig, secrets } = splitSecrets(schema, config);
    expect(mergeSecrets(publicConfig, secrets)).toEqual({
      signingSecret: 's3cr3t',
      botToken: 'xoxb',
      appId: 'A1',
      apiBaseUrl: 'http://localhost:1',
    });
  });

  it('redacts every secret field', () => {
    expect(redactSecrets(schema, config)).toEqual({ appId: 'A1', apiBaseUrl: 'http://localhost:1' });
  });
});

describe('unknown config keys', () => {
  const known = ['signing_secret', 'bot_token', 'app_id', 'team_id'];

  it('names the snake_case key a camelCase one meant', () => {
    expect(unknownKeyIssues({ signingSecret: 'x', bot_token: 'y' }, known)).toEqual([
      expect.objectContaining({
        path: ['signingSecret'],
        message: 'unknown key "signingSecret" (did you mean signing_secret?)',
      }),
    ]);
  });

  it('suggests the nearest key for a small typo and nothing for a stranger', () => {
    expect(nearestKey('bot_tokn', known)).toBe('bot_token');
    expect(nearestKey('colour_of_the_sky', known)).toBeUndefined();
    expect(unknownKeyIssues({ colour: 1 }, known)[0]?.message).toBe('unknown key "colour"');
  });

  it('has nothing to say about known keys or non-objects', () => {
    expect(unknownKeyIssues({ app_id: 'A1' }, known)).toEqual([]);
    expect(unknownKeyIssues('text', known)).toEqual([]);
  });
});
