import { describe, expect, it } from 'vitest';
import { EmptyExternalIdError, identityNamespaces, pickExternalId } from '../src/index.js';

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

  it('lists every identity namespace', () => {
    expect(identityNamespaces).toEqual([
      'auth',
      'email',
      'phone',
      'wa_jid',
      'slack',
      'feishu_union',
      'feishu_open',
      'github_login',
      'github_id',
    ]);
  });
});
