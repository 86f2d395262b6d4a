import pino from 'pino';

// Key names whose values are credentials, wherever they appear in a logged object.
const SECRET_KEYS = [
  'secret',
  'secrets',
  'token',
  'password',
  'secretKey',
  'signingSecret',
  'botToken',
  'appSecret',
  'appToken',
  'encryptKey',
  'verificationToken',
  'accessToken',
  'refreshToken',
  'deliverySecret',
  'clientSecret',
  'apiKey',
  'authorization',
  'cookie',
  '"set-cookie"',
] as const;

/** `signingSecret` -> `signing_secret`: platform configs (and their secret fields) are snake_case. */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// Both spellings of every key, plus snake_case names that have no camelCase twin above.
const ALL_SECRET_KEYS = [
  ...new Set([
    ...SECRET_KEYS,
    ...SECRET_KEYS.filter((key) => !key.startsWith('"')).map(snakeCase),
    'api_token',
    'app_token',
    'password_hash',
    'secrets_sealed',
  ]),
];

/** Redaction paths: each secret key at the top level and one or two levels deep, plus HTTP headers. */
export const REDACT_PATHS: readonly string[] = [
  ...ALL_SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  // Deeper spots where credentials are known to travel.
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.config.signingSecret',
  'config.*.signingSecret',
];

export interface LoggerOptions {
  /** Default: `LOG_LEVEL` from the environment, else `info`. */
  level?: string;
  /** Where lines go (tests capture them); default stdout. */
  destination?: pino.DestinationStream;
}

/** The hub's root logger; pass it (or children) down, never import a global one. */
export function createLogger(options: LoggerOptions = {}): pino.Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
