import { describe, expect, it } from 'vitest';
import { EmptyExternalIdError, isIdentityNamespace, namespaceScheme, pickExternalId } from '../src/index.js';

describe('pickExternalId', () => {
  it('returns the trimmed external id', () => {
    expect(pickExternalId({ namespace: 'slack', externalId: '  U123 ' })).toBe('U123');
  });

  it('falls back to the first non-blank fallback id when the external id is blank', () => {
    expect(
      pickExternalId({
        namespace: 'feishu_union',
        externalId: ' ',
        fallbackIds: ['', '  ', ' ou_1 ', 'ou_2'],
      }),
    ).toBe('ou_1');
  });

  it('throws EmptyExternalIdError when every candidate is blank', () => {
    expect(() => pickExternalId({ namespace: 'wa_jid', externalId: '', fallbackIds: [' '] })).toThrow(
      EmptyExternalIdError,
    );
    expect(() => pickExternalId({ namespace: 'wa_jid', externalId: '' })).toThrow(/namespace "wa_jid"/);
  });

  it('accepts namespaces as an open scheme, optionally scoped, and refuses malformed ones', () => {
    for (const good of [
      'auth',
      'email',
      'phone',
      'wa_jid',
      'slack',
      'slack:T0123ABC',
      'acme_user:app-1.eu',
    ]) {
      expect(isIdentityNamespace(good), good).toBe(true);
    }
    for (const bad of [
      '',
      'Slack',
      '1phone',
      'slack:',
      'slack:T1:U1',
      'phone number',
      ':T1',
      'a'.repeat(33),
    ]) {
      expect(isIdentityNamespace(bad), bad).toBe(false);
    }
    expect(namespaceScheme('slack:T0123')).toBe('slack');
    expect(namespaceScheme('email')).toBe('email');
  });
});
