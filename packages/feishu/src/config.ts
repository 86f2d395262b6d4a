import { apiBaseUrlField, secret } from '@switchboard/core';
import { z } from 'zod';

/** The Open API of each cloud; `api_base_url` overrides it (tests, egress proxies). */
export const FEISHU_API_BASE_URLS = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
} as const;

/**
 * The long-connection client silently does nothing for any other app id (see the SDK's
 * `WSClient.start`), so a malformed id is refused here instead of producing a deaf bot.
 */
const APP_ID = /^cli_[0-9a-f]{16}$/;

/**
 * Installation config. Keys are snake_case like every platform's JSONB config; the hub seals the
 * `secret(...)` fields and never returns them. `tenant_key`, `auto_provision` and `group_policy`
 * are also read by the hub's own policy (same names, same meaning).
 */
export const feishuConfigSchema = z
  .object({
    /** The app's App ID (`cli_` + 16 hex digits), from the developer console's Credentials page. */
    app_id: z.string().regex(APP_ID, { message: 'a Feishu app id is cli_ followed by 16 hex digits' }),
    /** The app's App Secret; every Open API token is exchanged with it. */
    app_secret: secret(z.string().min(1)),
    /** Which cloud the app lives in: `feishu` (open.feishu.cn) or `lark` (open.larksuite.com). */
    region: z.enum(['feishu', 'lark']).default('feishu'),
    /** `websocket`: the adapter holds Feishu's long connection. `webhook`: Feishu posts to the hub. */
    mode: z.enum(['websocket', 'webhook']).default('websocket'),
    /** Webhook mode: the Verification Token, checked when no encrypt key is set. */
    verification_token: secret(z.string().min(1)).optional(),
    /** Webhook mode: the Encrypt Key; bodies are then AES-256-CBC encrypted and signed. */
    encrypt_key: secret(z.string().min(1)).optional(),
    /** The tenant the app is installed in; detected at connect (tenant query) when absent. */
    tenant_key: z.string().min(1).optional(),
    /** Filled in at install (tenant query) when `tenant_key` is not configured; refreshed at connect. */
    detected_tenant_key: z.string().min(1).optional(),
    /** The bot's open id (`bot/v3/info`), filled in at install: tells a mention of the bot apart. */
    bot_open_id: z.string().min(1).optional(),
    /** First-contact senders of the tenant become workspace members automatically. */
    auto_provision: z.boolean().default(false),
    /** `mention`: group messages reach the agent only when they @-mention the bot. */
    group_policy: z.enum(['mention', 'disabled']).default('mention'),
    /** Defaults to the region's Open API host. */
    api_base_url: apiBaseUrlField,
  })
  .refine(
    (config) =>
      config.mode !== 'webhook' ||
      config.encrypt_key !== undefined ||
      config.verification_token !== undefined,
    {
      message: 'webhook mode needs encrypt_key or verification_token, or anyone could post events',
      path: ['verification_token'],
    },
  );

export type FeishuChannelConfig = z.output<typeof feishuConfigSchema>;
export type FeishuChannelConfigInput = z.input<typeof feishuConfigSchema>;

/** The Open API base URL without a trailing slash (the SDK uses `domain` verbatim). */
export function feishuApiBaseUrl(config: Pick<FeishuChannelConfig, 'region' | 'api_base_url'>): string {
  return (config.api_base_url ?? FEISHU_API_BASE_URLS[config.region]).replace(/\/+$/, '');
}
