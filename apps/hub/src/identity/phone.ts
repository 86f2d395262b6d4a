import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type { CountryCode } from 'libphonenumber-js/max';

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

/** Reads a configured default region (ISO 3166-1 alpha-2, e.g. `DE`); throws on an unknown one. */
export function parsePhoneRegion(value: string | undefined): CountryCode | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const region = value.trim().toUpperCase();
  if (!isSupportedCountry(region)) throw new Error(`unsupported phone region "${value}"`);
  return region;
}
