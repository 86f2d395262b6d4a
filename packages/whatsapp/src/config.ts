import { apiBaseUrlField, secret } from '@switchboard/core';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';

/** Where the Graph API lives when `api_base_url` is not set. */
export const GRAPH_API_BASE_URL = 'https://graph.facebook.com/';
export const DEFAULT_GRAPH_API_VERSION = 'v23.0';

const numericId = (what: string) =>
  z.string().regex(/^\d{1,32}$/, { message: `expected the numeric ${what} Meta shows` });

/**
 * Installation config: one WhatsApp business phone number. Every number of one Meta app shares the
 * app's callback URL (`/hooks/app/whatsapp/{app_id}`) and app secret; the hub finds the
 * installation of a change by its `metadata.phone_number_id`.
 */
export const whatsappConfigSchema = z.object({
  /** The Meta app whose webhook delivers this number's events; the `{appKey}` of the route. */
  app_id: numericId('app id'),
  /** The business phone number's id (WhatsApp Manager → API Setup), not the number itself. */
  phone_number_id: numericId('phone number id'),
  /** The WhatsApp Business Account the number belongs to. */
  waba_id: numericId('WhatsApp Business Account id'),
  /** A system-user access token with whatsapp_business_messaging; sends and media downloads. */
  access_token: secret(z.string().min(8)),
  /** The app secret (App settings → Basic); verifies `X-Hub-Signature-256`. */
  app_secret: secret(z.string().min(8)),
  /** The token typed into the webhook setup; the subscription check must echo it. */
  verify_token: secret(z.string().min(8)),
  api_version: z
    .string()
    .regex(/^v\d+\.\d+$/, { message: 'a Graph API version such as v23.0' })
    .default(DEFAULT_GRAPH_API_VERSION),
  /** ISO 3166-1 alpha-2 region for member phones written without a `+` prefix. */
  default_region: z
    .string()
    .transform((value) => value.trim().toUpperCase())
    .refine((value) => isSupportedCountry(value), { message: 'an ISO 3166-1 alpha-2 region such as DE' })
    .optional(),
  /** Largest media download, in bytes (WhatsApp allows up to 100 MB for documents). */
  max_media_bytes: z
    .number()
    .int()
    .min(1)
    .max(100 * 1024 * 1024)
    .default(16 * 1024 * 1024),
  /** The number as people dial it; filled in from the Graph API at install time. */
  display_phone_number: z.string().max(64).optional(),
  api_base_url: apiBaseUrlField,
});

export type WhatsAppChannelConfig = z.output<typeof whatsappConfigSchema>;
export type WhatsAppChannelConfigInput = z.input<typeof whatsappConfigSchema>;
