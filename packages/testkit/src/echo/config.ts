import { apiBaseUrlField, secret } from '@switchboard/core';
import { z } from 'zod';

export const echoConfigSchema = z.object({
  /** HMAC key shared with whoever posts to the echo webhook (usually a test). */
  signing_secret: secret(z.string().min(8)),
  /** Messages from this user id are the bot's own and are ignored. */
  bot_user_id: z.string().min(1).default('echo-bot'),
  tenant_key: z.string().min(1).optional(),
  /** Optional platform app id; the hub keeps one installation per (channel type, app id). */
  app_id: z.string().min(1).optional(),
  /**
   * The identity namespace sender ids belong to (`phone`: senders are phone numbers), so the hub
   * can recognise senders through the identity graph; unset, only bindings identify them.
   */
  sender_namespace: z.string().min(1).optional(),
  /** When set, sends go over HTTP to this URL instead of the in-memory `sent` list. */
  api_base_url: apiBaseUrlField,
});

export type EchoChannelConfig = z.output<typeof echoConfigSchema>;
export type EchoChannelConfigInput = z.input<typeof echoConfigSchema>;
