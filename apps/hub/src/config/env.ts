import { z } from 'zod';

/** The hub's environment, validated before anything starts. */
const hubEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), {
      message: 'DATABASE_URL must start with postgres:// or postgresql://',
    }),
  SWITCHBOARD_SECRET_KEY: z.string().optional(),
  SWITCHBOARD_DATA_DIR: z.string().default('.switchboard'),
  SWITCHBOARD_PUBLIC_URL: z.string().url().optional(),
  SWITCHBOARD_CONNECTIONS_DISABLED: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type HubEnv = z.infer<typeof hubEnvSchema>;

export function readHubEnv(env: NodeJS.ProcessEnv = process.env): HubEnv {
  return hubEnvSchema.parse(env);
}
