import { describe, expect, it } from 'vitest';
import {
  InvalidIdentifierError,
  normalizeIdentifier,
  requireIdentifier,
} from '../../src/identity/namespaces.js';
import { normalizeWaJid, parsePhoneRegion, toE164, waJidFromE164 } from '../../src/identity/phone.js';
import {
  provisionedUsernameBase,
  usernameCandidate,
  usernameFromEmail,
} from '../../src/identity/username.js';

function normalized(namespace: Parameters<typeof normalizeIdentifier>[0], raw: string) {
  const result = normalizeIdentifier(namespace, raw, { phoneRegion: 'DE' });
  return result.ok ? result.identifier : result.reason;
}

describe('identity namespaces', () => {
  it('lower-cases emails and GitHub logins, upper-cases Slack ids and keeps Feishu ids as they are', () => {
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
    expect(() => requireIdentifier('slack', 'nope')).toThrow(InvalidIdentifierError);
  });

  it('writes phones in E.164, reading national numbers in the configured region', () => {
    expect(normalized('phone', '+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalized('phone', '030 901820')).toBe('+4930901820');
    expect(toE164('030 901820')).toBeNull();
    expect(toE164('0151 2345 6789', 'DE')).toBe('+4915123456789');
    expect(normalized('phone', '12345')).toBe('invalid_phone');
    expect(normalized('phone', 'call me')).toBe('invalid_phone');
  });

  it('normalizes WhatsApp JIDs: device suffix stripped, @c.us rewritten, groups refused', () => {
    expect(normalizeWaJid('4915123456789:12@s.whatsapp.net')).toBe('4915123456789@s.whatsapp.net');
    expect(normalizeWaJid('4915123456789@c.us')).toBe('4915123456789@s.whatsapp.net');
    expect(normalizeWaJid('4915123456789')).toBe('4915123456789@s.whatsapp.net');
    expect(normalizeWaJid('120363041234567890@g.us')).toBeNull();
    expect(normalizeWaJid('123456789@lid')).toBeNull();
    expect(waJidFromE164('+4915123456789')).toBe('4915123456789@s.whatsapp.net');
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
    expect(usernameFromEmail('Ops@acme.test')).toBe('ops');
  });

  it('falls back to <platform>-<first 8 characters of the platform id>, without the team scope', () => {
    expect(provisionedUsernameBase({ namespace: 'slack', identifier: 'T0TEAM:U0ABCDEFGH' })).toBe(
      'slack-u0abcdef',
    );
    expect(
      provisionedUsernameBase({ namespace: 'feishu_open', identifier: 'cli_x:ou_7dab8a3d3cdcc9da' }),
    ).toBe('feishu-ou7dab8a');
    expect(provisionedUsernameBase({ namespace: 'wa_jid', identifier: '4915123456789@s.whatsapp.net' })).toBe(
      'whatsapp-49151234',
    );
    expect(provisionedUsernameBase({ namespace: 'github_id', identifier: '42' })).toBe('github-42');
    expect(provisionedUsernameBase({ namespace: 'feishu_union', identifier: '名前' })).toMatch(
      /^feishu-[0-9a-f]{8}$/,
    );
  });

  it('suffixes candidates within the length limit', () => {
    expect(usernameCandidate('ada', 1)).toBe('ada');
    expect(usernameCandidate('ada', 3)).toBe('ada-3');
    const long = 'a'.repeat(64);
    expect(usernameCandidate(long, 12)).toHaveLength(64);
    expect(usernameCandidate(long, 12).endsWith('-12')).toBe(true);
  });
});
