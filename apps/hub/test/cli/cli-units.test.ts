import { slackAppManifest } from '@switchboard/slack';
import { describe, expect, it } from 'vitest';
import { parseSetting } from '../../src/cli/commands/installation.js';
import { InvalidSettingsError, parsePort, readHubEnv } from '../../src/config/env.js';
import { formatLogLine } from '../../src/logging/pretty.js';

describe('settings are checked before anything starts', () => {
  it('reports a bad PORT readably, naming the variable', () => {
    const error = (() => {
      try {
        readHubEnv({ PORT: 'abc' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect(error?.message).toMatch(/^invalid environment:\n✖ .+\n {2}→ at PORT$/);
  });

  it('treats an empty variable as unset', () => {
    const env = readHubEnv({ PORT: '', DATABASE_URL: '' });
    expect(env.PORT).toBe(8787);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('refuses --port abc with the flag in the message', () => {
    expect(() => parsePort('abc')).toThrow('--port must be a number from 0 to 65535, got "abc"');
    expect(parsePort('0')).toBe(0);
  });
});

describe('installation --set values', () => {
  it('keeps text, reads booleans and JSON', () => {
    expect(parseSetting('bot_token=xoxb-1=2')).toEqual(['bot_token', 'xoxb-1=2']);
    expect(parseSetting('auto_provision=true')).toEqual(['auto_provision', true]);
    expect(parseSetting('team_id=T0123')).toEqual(['team_id', 'T0123']);
    expect(parseSetting('list=["a"]')).toEqual(['list', ['a']]);
    expect(() => parseSetting('novalue')).toThrow('--set wants key=value');
  });
});

describe('readable hub logs', () => {
  it('prints time, level, message and fields on one line', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 1, 12, 0, 1),
      pid: 1,
      hostname: 'h',
      msg: 'switchboard hub listening',
      url: 'http://127.0.0.1:8787',
      channelTypes: ['slack'],
    });
    expect(formatLogLine(line)).toBe(
      '12:00:01 INFO  switchboard hub listening  url=http://127.0.0.1:8787 channelTypes=["slack"]\n',
    );
  });
});

describe('Slack app manifest', () => {
  it('Socket Mode needs no URL', () => {
    const manifest = slackAppManifest({ socketMode: true }) as any;
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.request_url).toBeUndefined();
    expect(manifest.settings.event_subscriptions.bot_events).toContain('message.im');
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['chat:write', 'im:history']));
  });

  it("points the Events API at the installation's webhook", () => {
    const manifest = slackAppManifest({ publicUrl: 'https://hub.example/', installationId: 'abc' }) as any;
    expect(manifest.settings.event_subscriptions.request_url).toBe('https://hub.example/hooks/abc');
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
