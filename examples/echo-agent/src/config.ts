import { z } from 'zod';

const envSchema = z.object({
  AGENT_SECRET: z.string().min(16, 'AGENT_SECRET is the agent delivery secret (16+ characters)'),
  HUB_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8787'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
});

export interface EchoAgentConfig {
  secret: string;
  hubUrl: string;
  port: number;
  host: string;
}

export type ConfigResult = { ok: true; config: EchoAgentConfig } | { ok: false; error: string };

/** Reads the agent's settings from the environment, with a readable error for each bad value. */
export function readConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  const { AGENT_SECRET, HUB_URL, PORT, HOST } = parsed.data;
  return { ok: true, config: { secret: AGENT_SECRET, hubUrl: HUB_URL, port: PORT, host: HOST } };
}
