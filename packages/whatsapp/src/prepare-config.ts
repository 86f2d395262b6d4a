import { ConfigRejectedError, PlatformError, type PrepareConfigDeps } from '@switchboard/core';
import { z } from 'zod';
import { DEFAULT_GRAPH_API_VERSION } from './config.js';
import { GraphClient, GraphErrorCode } from './graph-client.js';

/** The platform code used when the Graph API could not be asked at all (network, timeout, 5xx). */
export const GRAPH_UNREACHABLE = 'graph_unreachable';

/** What `GET /{phone_number_id}` answers (the fields asked for; Meta may add others). */
const phoneNumberSchema = z.object({
  id: z.string(),
  display_phone_number: z.string().optional(),
  verified_name: z.string().optional(),
});

function rejected(error: unknown, phoneNumberId: string): ConfigRejectedError {
  if (!(error instanceof PlatformError) || error.kind === 'transient' || error.kind === 'rate_limited') {
    return new ConfigRejectedError(
      GRAPH_UNREACHABLE,
      'could not reach the Graph API to check the access token (GET /{phone_number_id})',
      { cause: error, unreachable: true },
    );
  }
  const code = error.platformCode ?? String(error.status ?? 'unknown');
  if (code === String(GraphErrorCode.TokenExpired) || error.kind === 'unauthorized') {
    return new ConfigRejectedError(
      code,
      'the Graph API refused the access token (error 190: invalid, expired or revoked); use a system-user token with whatsapp_business_messaging',
      { cause: error },
    );
  }
  return new ConfigRejectedError(
    code,
    `the access token cannot read phone number ${phoneNumberId} (Graph error ${code}): check phone_number_id and that the token's system user has the WhatsApp Business Account assigned`,
    { cause: error },
  );
}

/**
 * Install-time check of a WhatsApp config: `GET /{phone_number_id}` with the access token proves
 * the token works and may read that number (a token of another business is refused), and tells
 * the number as people dial it, filled in as `display_phone_number`. A config without a token
 * or a numeric id is left for validation to report.
 */
export async function prepareWhatsAppConfig(
  input: Record<string, unknown>,
  deps: PrepareConfigDeps,
): Promise<Record<string, unknown>> {
  const token = input.access_token;
  const phoneNumberId = input.phone_number_id;
  if (typeof token !== 'string' || token.length < 8) return input;
  if (typeof phoneNumberId !== 'string' || !/^\d{1,32}$/.test(phoneNumberId)) return input;
  const version =
    typeof input.api_version === 'string' && /^v\d+\.\d+$/.test(input.api_version)
      ? input.api_version
      : DEFAULT_GRAPH_API_VERSION;
  const graph = new GraphClient({
    ...(typeof input.api_base_url === 'string' ? { baseUrl: input.api_base_url } : {}),
    version,
    accessToken: token,
    fetch: deps.fetch ?? globalThis.fetch,
  });
  const answer = await graph
    .json('GET', `${phoneNumberId}?fields=id,display_phone_number,verified_name`)
    .catch((error: unknown) => {
      throw rejected(error, phoneNumberId);
    });
  const number = phoneNumberSchema.safeParse(answer);
  if (!number.success || number.data.id !== phoneNumberId) {
    throw new ConfigRejectedError(
      'unexpected_answer',
      `the Graph API answered GET /${phoneNumberId} with something that is not that phone number`,
    );
  }
  const display = number.data.display_phone_number;
  return display ? { ...input, display_phone_number: display } : input;
}
