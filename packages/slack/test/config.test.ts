import {
  InvalidConfigError,
  redactSecrets,
  secretKeys,
  splitSecrets,
  validateConfig,
} from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { createSlackChannelFactory, SLACK_API_BASE_URL, slackConfigSchema } from '../src/index.js';
import { APP_TOKEN, BOT_TOKEN, baseConfig, SIGNING_SECRET } from './helpers.js';

const factory = createSlackChannelFactory();

function issuePaths(input: unknown): string[] {
  try {
    validateConfig(factory, input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return (error as InvalidConfigError).issues.map((issue) => issue.path.join('.'));
  }
  throw new Error('expected the config to be rejected');
}

describe('slackConfigSchema', () => {
  it('accepts an Events API installation and defaults the mode', () => {
    const config = validateConfig(factory, baseConfig);
    expect(config).toEqual({ ...baseConfig, mode: 'events' });
    expect(config.api_base_url).toBeUndefined();
    expect(SLACK_API_BASE_URL).toBe('https://slack.com/api/');
  });

  it('rejects a missing or empty signing secret', () => {
    const { signing_secret: _omitted, ...rest } = baseConfig;
    expect(issuePaths(rest)).toContain('signing_secret');
    expect(issuePaths({ ...baseConfig, signing_secret: '' })).toContain('signing_secret');
  });

  it('requires a bot token (xoxb-) and ids', () => {
    expect(issuePaths({ ...baseConfig, bot_token: 'xoxp-user-token' })).toContain('bot_token');
    expect(issuePaths({ ...baseConfig, team_id: '' })).toContain('team_id');
    expect(issuePaths({ ...baseConfig, bot_user_id: 'not an id' })).toContain('bot_user_id');
    const { app_id: _omitted, ...rest } = baseConfig;
    expect(issuePaths(rest)).toContain('app_id');
  });

  it('requires an app token (xapp-) in socket mode', () => {
    expect(issuePaths({ ...baseConfig, mode: 'socket' })).toEqual(['app_token']);
    expect(issuePaths({ ...baseConfig, mode: 'socket', app_token: BOT_TOKEN })).toContain('app_token');
    expect(validateConfig(factory, { ...baseConfig, mode: 'socket', app_token: APP_TOKEN }).mode).toBe(
      'socket',
    );
    expect(issuePaths({ ...baseConfig, mode: 'rtm' })).toContain('mode');
  });

  it('accepts only http(s) API base URLs', () => {
    expect(
      validateConfig(factory, { ...baseConfig, api_base_url: 'http://127.0.0.1:9/api/' }).api_base_url,
    ).toBe('http://127.0.0.1:9/api/');
    expect(issuePaths({ ...baseConfig, api_base_url: 'ftp://slack.example/api/' })).toContain('api_base_url');
    expect(issuePaths({ ...baseConfig, api_base_url: 'not a url' })).toContain('api_base_url');
  });

  it('marks signing_secret, bot_token and app_token as secrets', () => {
    expect(secretKeys(slackConfigSchema).sort()).toEqual(['app_token', 'bot_token', 'signing_secret']);
    const config = validateConfig(factory, { ...baseConfig, mode: 'socket', app_token: APP_TOKEN });
    const { publicConfig, secrets } = splitSecrets(factory.configSchema, config);
    expect(secrets).toEqual({ signing_secret: SIGNING_SECRET, bot_token: BOT_TOKEN, app_token: APP_TOKEN });
    expect(JSON.stringify(publicConfig)).not.toMatch(/xoxb-|xapp-|8f742231/);
    expect(redactSecrets(factory.configSchema, config)).toEqual(publicConfig);
  });

  it('never echoes a secret in validation messages', () => {
    try {
      validateConfig(factory, { ...baseConfig, bot_token: 'xoxp-very-secret-user-token' });
    } catch (error) {
      expect((error as Error).message).not.toContain('very-secret');
    }
  });
});
