import { describe, expect, it } from 'vitest';
import { header } from '../src/index.js';

const request = (headers: Record<string, string | string[] | undefined>) => ({ headers });

describe('header()', () => {
  it('returns a single header value', () => {
    expect(header(request({ 'x-signature': 'v1=abc' }), 'x-signature')).toBe('v1=abc');
  });

  it('looks the name up case-insensitively against lower-case keys', () => {
    expect(header(request({ 'x-signature': 'v1=abc' }), 'X-Signature')).toBe('v1=abc');
  });

  it('returns undefined for a missing header', () => {
    expect(header(request({}), 'x-signature')).toBeUndefined();
    expect(header(request({ 'x-signature': undefined }), 'x-signature')).toBeUndefined();
  });

  it('returns undefined for a repeated header, so a duplicated signature cannot be chosen from', () => {
    expect(header(request({ 'x-signature': ['v1=abc', 'v1=def'] }), 'x-signature')).toBeUndefined();
    expect(header(request({ 'x-signature': [] }), 'x-signature')).toBeUndefined();
  });

  it('accepts a one-element array as a single value', () => {
    expect(header(request({ 'x-signature': ['v1=abc'] }), 'x-signature')).toBe('v1=abc');
  });
});
