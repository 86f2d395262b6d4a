import type { IdentityKey, NamespaceRules, Source } from '@switchboard/core';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The generic phone namespace (E.164) the hub defines; WhatsApp derives its JID from it. */
export const PHONE_NAMESPACE = 'phone';
/** A WhatsApp user's JID, `<digits>@s.whatsapp.net` (the WhatsApp Web form). */
export const WA_JID_NAMESPACE = 'wa_jid';
/** A business-scoped user id (`US.13491208655302741918`, parent `US.ENT.…`). */
export const WA_BSUID_NAMESPACE = 'wa_bsuid';

const JID_SUFFIX = '@s.whatsapp.net';
const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[0-9A-Za-z]{1,64}$/;

/** True for a business-scoped user id as WhatsApp sends it. */
export function isBsuid(value: string): boolean {
  return BSUID.test(value);
}

/**
 * The canonical user JID, or null. Accepts the forms WhatsApp Web tools write: a `:device`
 * suffix is dropped and the legacy `@c.us` host becomes `s.whatsapp.net`. Groups (`@g.us`) and
 * privacy ids (`@lid`) are not a person's phone and are refused.
 */
export function normalizeJid(raw: string): string | null {
  const match = /^\+?(\d{5,20})(?::\d+)?@(s\.whatsapp\.net|c\.us)$/i.exec(raw.trim());
  return match?.[1] ? `${match[1]}${JID_SUFFIX}` : null;
}

export function jidOfDigits(digits: string): string {
  return `${digits}${JID_SUFFIX}`;
}

/** The E.164 number, or null when it is not a valid one (national forms read in `region`). */
export function toE164(raw: string, region?: string): string | null {
  const parsed = parsePhoneNumberFromString(
    raw.trim(),
    region ? { defaultCountry: region as CountryCode } : {},
  );
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * The digit strings WhatsApp may use as the `wa_id` of one E.164 number. They differ from the
 * dialled number in two countries: Argentina's mobiles carry a `9` after the country code
 * (`549…`) that the national form (`+54 11 …`, `15` prefix) does not, and Brazilian accounts
 * created before the ninth digit keep a `wa_id` without it. So one phone stands for up to two ids.
 */
export function waIdForms(e164: string): string[] {
  const digits = e164.replace(/^\+/, '');
  const forms = new Set([digits]);
  const argentina = /^54(?!9)(\d{10})$/.exec(digits);
  if (argentina?.[1]) forms.add(`549${argentina[1]}`);
  const argentinaMobile = /^549(\d{10})$/.exec(digits);
  if (argentinaMobile?.[1]) forms.add(`54${argentinaMobile[1]}`);
  const brazilNine = /^55(\d{2})9([6-9]\d{7})$/.exec(digits);
  if (brazilNine) forms.add(`55${brazilNine[1]}${brazilNine[2]}`);
  const brazilEight = /^55(\d{2})([6-9]\d{7})$/.exec(digits);
  if (brazilEight) forms.add(`55${brazilEight[1]}9${brazilEight[2]}`);
  return [...forms];
}

/** The phone numbers (E.164, valid ones only) a received `wa_id` may have been dialled as. */
export function phonesOfWaId(waId: string): string[] {
  const phones = new Set<string>();
  for (const form of waIdForms(`+${waId}`)) {
    const e164 = toE164(`+${form}`);
    if (e164) phones.add(e164);
  }
  return [...phones];
}

export const waJidNamespaceRules: NamespaceRules = {
  scheme: WA_JID_NAMESPACE,
  format: '<digits>@s.whatsapp.net (a :device suffix and @c.us are accepted)',
  usernamePrefix: 'wa',
  normalize: (identifier) => normalizeJid(identifier),
  usernameHint: (identifier) => identifier.slice(0, identifier.indexOf('@')),
  // Linking a phone links the JIDs WhatsApp may know it by (both Argentine and Brazilian forms).
  linked: (key) =>
    key.namespace === PHONE_NAMESPACE
      ? waIdForms(key.identifier).map((digits) => ({
          namespace: WA_JID_NAMESPACE,
          identifier: jidOfDigits(digits),
        }))
      : [],
};

export const waBsuidNamespaceRules: NamespaceRules = {
  scheme: WA_BSUID_NAMESPACE,
  format: 'a business-scoped user id such as US.13491208655302741918',
  usernamePrefix: 'wa',
  normalize: (identifier) => (isBsuid(identifier) ? identifier : null),
  usernameHint: (identifier) => identifier.slice(identifier.lastIndexOf('.') + 1),
};

/** A business-scoped user id as an identity, when it is one. */
export function bsuidKeys(id: string): IdentityKey[] {
  return isBsuid(id) ? [{ namespace: WA_BSUID_NAMESPACE, identifier: id }] : [];
}

/** The JIDs and phones a `wa_id` may stand for (both Argentine and Brazilian forms). */
export function waIdKeys(waId: string): IdentityKey[] {
  if (!/^\d{5,20}$/.test(waId)) return [];
  return [
    ...waIdForms(`+${waId}`).map((form) => ({ namespace: WA_JID_NAMESPACE, identifier: jidOfDigits(form) })),
    ...phonesOfWaId(waId).map((phone) => ({ namespace: PHONE_NAMESPACE, identifier: phone })),
  ];
}

/**
 * The identities a sender stands for: the BSUID (and its parent), and when WhatsApp sent the
 * `wa_id` (the chat id of a phone user) its JID and the phones it may have been dialled as.
 */
export function whatsappSenderIdentities(source: Source): IdentityKey[] {
  return [
    ...[source.sender.id, source.sender.unionId].flatMap((id) => (id ? bsuidKeys(id) : [])),
    ...waIdKeys(source.chatId),
  ];
}

/**
 * Where a one-time code for `key` goes: the phone's digits (Cloud API `to` takes the number as
 * dialled, without `+`) or a JID's digits. A BSUID is only ever learnt from its own messages, so
 * there is nothing to prove.
 */
export function whatsappVerificationChatId(key: IdentityKey): string | undefined {
  if (key.namespace === PHONE_NAMESPACE)
    return /^\+\d{6,15}$/.test(key.identifier) ? key.identifier.slice(1) : undefined;
  if (key.namespace === WA_JID_NAMESPACE) return normalizeJid(key.identifier)?.split('@')[0];
  return undefined;
}
