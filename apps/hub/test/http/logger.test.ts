import { secretKeys } from '@switchboard/core';
import { slackConfigSchema } from '@switchboard/slack';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { captureLogs } from './http-harness.js';

const SECRET = 'sk-very-secret-value';

function loggedLine(log: (logger: ReturnType<typeof createLogger>) => void): string {
  const logs = captureLogs();
  log(createLogger({ level: 'info', destination: logs.destination }));
  return logs.text();
}

describe('logger redaction', () => {
  it('redacts a signing secret nested in an installation config', () => {
    const text = loggedLine((logger) =>
      logger.info({ config: { signingSecret: SECRET, teamId: 'T1' } }, 'installed'),
    );
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[redacted]');
    expect(text).toContain('T1');
  });

  it("redacts every secret field of a real adapter's snake_case config, at any of three levels", () => {
    const names = secretKeys(slackConfigSchema);
    expect(names).toEqual(expect.arrayContaining(['signing_secret', 'bot_token', 'app_token']));
    const config = Object.fromEntries(names.map((name) => [name, `${SECRET}-${name}`]));
    const text = loggedLine((logger) => {
      logger.info(config, 'top');
      logger.info({ config: { ...config, team_id: 'T1' } }, 'nested');
      logger.info({ installation: { config } }, 'deeper');
    });
    expect(text).not.toContain(SECRET);
    expect(text).toContain('T1');
  });

  it('redacts the Authorization header and cookies of a logged request', () => {
    const text = loggedLine((logger) =>
      logger.info(
        { req: { headers: { authorization: `Bearer ${SECRET}`, cookie: `s=${SECRET}`, host: 'hub' } } },
        'req',
      ),
    );
    expect(text).not.toContain(SECRET);
    expect(text).toContain('hub');
  });

  it.each([
    { token: SECRET },
    { botToken: SECRET },
    { installation: { secrets: { anything: SECRET } } },
    { payload: { auth: { accessToken: SECRET } } },
    { err: { config: { encryptKey: SECRET } } },
  ])('redacts secret-named keys at any of the first three levels: %j', (fields) => {
    expect(loggedLine((logger) => logger.info(fields, 'event'))).not.toContain(SECRET);
  });

  it('keeps child-logger bindings redacted too', () => {
    const text = loggedLine((logger) => logger.child({ appSecret: SECRET }).info('child'));
    expect(text).not.toContain(SECRET);
  });

  it('defaults to LOG_LEVEL from the environment', () => {
    const previous = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'warn';
    try {
      expect(createLogger().level).toBe('warn');
    } finally {
      if (previous === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previous;
    }
  });
});
