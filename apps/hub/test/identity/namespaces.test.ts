import { describe, expect, it } from 'vitest';
import { InvalidIdentifierError, NamespaceBook, normalizeIdentifier } from '../../src/identity/namespaces.js';
import { parsePhoneRegion, toE164 } from '../../src/identity/phone.js';
import {
  provisionedUsernameBase,
  usernameCandidate,
  usernameFromEmail,
} from '../../src/identity/username.js';
import { jidNamespaceRules, testNamespaceBook } from '../fixtures/platform-namespaces.js';

const book = testNamespaceBook();

function normalized(namespace: string, raw: string) {
  const result = book.normalize(namespace, raw, { phoneRegion: 'DE' });
  return result.ok ? result.identifier : result.reason;
}

describe('identity namespaces', () => {
  it('applies the rules plugins contribute: cases of emails, logins, Slack ids; opaque ids kept', () => {
    expect(normalized('email', '  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalized('github_login', 'OctoCat')).toBe('octocat');
    expect(normalized('slack', 't01abc:u02def')).toBe('T01ABC:U02DEF');
    expect(normalized('feishu_union', 'on_AbC123')).toBe('on_AbC123');
    expect(normalized('feishu_open', 'cli_a1B2:ou_XyZ')).toBe('cli_a1B2:ou_XyZ');
    expect(normalized('github_id', '583231')).toBe('583231');
    expect(normalized('auth', '0B5F7E2A-1C3D-4E5F-8A9B-0C1D2E3F4A5B')).toBe(
      '0b5f7e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
    );
  });

  it('reports malformed identifiers instead of storing them', () => {
    expect(normalized('slack', 'U02DEF')).toBe('invalid_identifier');
    expect(normalized('feishu_open', 'ou_without_app')).toBe('invalid_identifier');
    expect(normalized('email', 'not-an-email')).toBe('invalid_identifier');
    expect(normalized('github_login', 'bad--login-')).toBe('invalid_identifier');
    expect(normalized('github_id', '12a')).toBe('invalid_identifier');
    expect(normalized('auth', 'someone')).toBe('invalid_identifier');
    expect(normalized('feishu_union', '   ')).toBe('empty');
    expect(() => book.require('slack', 'nope')).toThrow(InvalidIdentifierError);
  });

  it('knows only emails, phones and hub user ids without plugins', () => {
    expect(normalizeIdentifier('email', 'Ada@Example.com')).toMatchObject({
      ok: true,
      identifier: 'ada@example.com',
    });
    expect(normalizeIdentifier('slack', 'T1:U1')).toMatchObject({ ok: false, reason: 'unknown_namespace' });
    expect(book.normalize('Not A Namespace', 'x')).toMatchObject({ ok: false, reason: 'unknown_namespace' });
    expect(new NamespaceBook().schemes()).toEqual(['auth', 'email', 'phone']);
  });

  it('lets no plugin redefine a generic namespace', () => {
    expect(() => new NamespaceBook([{ ...jidNamespaceRules, scheme: 'phone' }])).toThrow(/defined twice/);
  });

  it('covers scoped namespaces by their scheme', () => {
    expect(book.rulesFor('slack:T0TEAM')?.scheme).toBe('slack');
    expect(book.rulesFor('slack:')).toBeUndefined();
  });

  it('writes phones in E.164, reading national numbers in the configured region', () => {
    expect(normalized('phone', '+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalized('phone', '030 901820')).toBe('+4930901820');
    expect(toE164('030 901820')).toBeNull();
    expect(toE164('0151 2345 6789', 'DE')).toBe('+4915123456789');
    expect(normalized('phone', '12345')).toBe('invalid_phone');
    expect(normalized('phone', 'call me')).toBe('invalid_phone');
  });

  it("applies a plugin's JID rules: device suffix stripped, @c.us rewritten, groups refused", () => {
    expect(normalized('wa_jid', '4915123456789:12@s.whatsapp.net')).toBe('4915123456789@s.whatsapp.net');
    expect(normalized('wa_jid', '4915123456789@c.us')).toBe('4915123456789@s.whatsapp.net');
    expect(normalized('wa_jid', '4915123456789')).toBe('4915123456789@s.whatsapp.net');
    expect(normalized('wa_jid', '120363041234567890@g.us')).toBe('invalid_identifier');
    expect(normalized('wa_jid', '123456789@lid')).toBe('invalid_identifier');
  });

  it('derives the identities plugins link with one (a phone and its JID), canonical', () => {
    expect(book.linked({ namespace: 'phone', identifier: '+4915123456789' })).toEqual([
      { namespace: 'wa_jid', identifier: '4915123456789@s.whatsapp.net' },
    ]);
    expect(book.linked({ namespace: 'email', identifier: 'ada@example.com' })).toEqual([]);
    expect(new NamespaceBook().linked({ namespace: 'phone', identifier: '+4915123456789' })).toEqual([]);
  });

  it('accepts only known phone regions', () => {
    expect(parsePhoneRegion('de')).toBe('DE');
    expect(parsePhoneRegion(undefined)).toBeUndefined();
    expect(() => parsePhoneRegion('XX')).toThrow(/unsupported phone region/);
  });
});

describe('usernames', () => {
  it('derives a username from a verified email local part', () => {
    expect(
      provisionedUsernameBase({ namespace: 'slack', identifier: 'T1:U1', verifiedEmail: 'Jane.Doe+x@a.io' }),
    ).toBe('jane.doe-x');
    expect(provisionedUsernameBase({ namespace: 'phone', identifier: '+4915123456789' })).toBe(
      'phone-49151234',
    );
    expect(usernameFromEmail('Ops@acme.test')).toBe('ops');
  });

  it("falls back to <prefix>-<first 8 characters of the id>, as the namespace's rules say", () => {
    const base = (namespace: string, identifier: string) =>
      provisionedUsernameBase({ namespace, identifier, rules: book.rulesFor(namespace) });
    expect(base('slack', 'T0TEAM:U0ABCDEFGH')).toBe('slack-u0abcdef');
    expect(base('feishu_open', 'cli_x:ou_7dab8a3d3cdcc9da')).toBe('feishu-ou7dab8a');
    expect(base('wa_jid', '4915123456789@s.whatsapp.net')).toBe('whatsapp-49151234');
    expect(base('github_id', '42')).toBe('github-42');
    expect(base('feishu_union', '名前')).toMatch(/^feishu-[0-9a-f]{8}$/);
  });

  it('suffixes candidates within the length limit', () => {
    expect(usernameCandidate('ada', 1)).toBe('ada');
    expect(usernameCandidate('ada', 3)).toBe('ada-3');
    const long = 'a'.repeat(64);
    expect(usernameCandidate(long, 12)).toHaveLength(64);
    expect(usernameCandidate(long, 12).endsWith('-12')).toBe(true);
  });
});
