import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type { CountryCode } from 'libphonenumber-js/max';

const WA_USER_SERVER = 's.whatsapp.net';

/**
 * A phone number in E.164 (`+4915123456789`), or null when it is not a valid number. Numbers
 * written without a `+` country prefix are read in `defaultRegion`; without one they are invalid.
 * The full ("max") metadata is used so validity is checked per numbering plan, not only by length.
 */
export function toE164(raw: string, defaultRegion?: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(
    raw.trim(),
    defaultRegion ? { defaultCountry: defaultRegion } : {},
  );
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * The WhatsApp user JID of an E.164 number. Note that WhatsApp's `wa_id` can differ from the
 * dialled number (Argentina `549…`, Brazil's ninth digit): a router that receives a `wa_id`
 * should look it up as a `wa_jid` and fall back to the phone, not assume the two are equal.
 */
export function waJidFromE164(e164: string): string {
  return `${e164.replace(/^\+/, '')}@${WA_USER_SERVER}`;
}

// `<digits>[:device]@s.whatsapp.net | @c.us`, or a bare wa_id (digits, optionally with `+`).
// Groups (`@g.us`) and privacy ids (`@lid`) are not people's phone JIDs and do not match.
const WA_JID = /^\+?(\d{5,20})(?::\d+)?(?:@(?:s\.whatsapp\.net|c\.us))?$/i;

/** `<digits>@s.whatsapp.net`: device suffix stripped, legacy `@c.us` rewritten; null if not a user JID. */
export function normalizeWaJid(raw: string): string | null {
  const match = WA_JID.exec(raw.trim());
  return match ? `${match[1]}@${WA_USER_SERVER}` : null;
}

/** Reads a configured default region (ISO 3166-1 alpha-2, e.g. `DE`); throws on an unknown one. */
export function parsePhoneRegion(value: string | undefined): CountryCode | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const region = value.trim().toUpperCase();
  if (!isSupportedCountry(region)) throw new Error(`unsupported phone region "${value}"`);
  return region;
}
