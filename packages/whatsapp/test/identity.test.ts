import { describe, expect, it } from 'vitest';
import {
  normalizeJid,
  phonesOfWaId,
  toE164,
  waBsuidNamespaceRules,
  waIdForms,
  waJidNamespaceRules,
  whatsappSenderIdentities,
} from '../src/index.js';

const source = (chatId: string, senderId = chatId, unionId?: string) => ({
  channelType: 'whatsapp',
  installationId: 'inst-1',
  chatId,
  chatType: 'direct' as const,
  sender: { id: senderId, ...(unionId ? { unionId } : {}), isBot: false, isExternal: false },
});

describe('phones and JIDs', () => {
  it('normalises JIDs: a :device suffix and @c.us are accepted, groups and privacy ids are not', () => {
    expect(normalizeJid('4915123456789:12@s.whatsapp.net')).toBe('4915123456789@s.whatsapp.net');
    expect(normalizeJid('4915123456789@c.us')).toBe('4915123456789@s.whatsapp.net');
    expect(normalizeJid('120363025246125486@g.us')).toBeNull();
    expect(normalizeJid('12345678901234@lid')).toBeNull();
    expect(waJidNamespaceRules.normalize('not a jid', {})).toBeNull();
  });

  it('refuses a phone that cannot be parsed, and reads national numbers in the region', () => {
    expect(toE164('12')).toBeNull();
    expect(toE164('hello')).toBeNull();
    expect(toE164('0151 23456789', 'DE')).toBe('+4915123456789');
    expect(toE164('0151 23456789')).toBeNull();
  });

  it('links the JIDs of both Argentine forms of a mobile', () => {
    const national = toE164('011 15-2345-6789', 'AR');
    expect(national).toBe('+5491123456789');
    const jids = waJidNamespaceRules.linked?.({ namespace: 'phone', identifier: '+541123456789' }) ?? [];
    expect(jids.map((k) => k.identifier)).toEqual([
      '541123456789@s.whatsapp.net',
      '5491123456789@s.whatsapp.net',
    ]);
  });

  it("links the JIDs with and without Brazil's ninth digit", () => {
    expect(waIdForms('+5511987654321')).toEqual(['5511987654321', '551187654321']);
    // A wa_id of an old account, without the ninth digit, still names the valid 9-digit number.
    expect(phonesOfWaId('551187654321')).toContain('+5511987654321');
  });

  it('names the BSUID, its parent, the JID and the phone of a sender', () => {
    const keys = whatsappSenderIdentities(source('4915123456789', 'DE.1349120865', 'DE.ENT.77'));
    expect(keys).toEqual([
      { namespace: 'wa_bsuid', identifier: 'DE.1349120865' },
      { namespace: 'wa_bsuid', identifier: 'DE.ENT.77' },
      { namespace: 'wa_jid', identifier: '4915123456789@s.whatsapp.net' },
      { namespace: 'phone', identifier: '+4915123456789' },
    ]);
    expect(whatsappSenderIdentities(source('US.998877'))).toEqual([
      { namespace: 'wa_bsuid', identifier: 'US.998877' },
    ]);
    expect(waBsuidNamespaceRules.normalize('US.ENT.112233', {})).toBe('US.ENT.112233');
    expect(waBsuidNamespaceRules.normalize('4915123456789', {})).toBeNull();
  });
});
