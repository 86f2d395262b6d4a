import { describe, expect, it } from 'vitest';
import { parseRetryAfter, platformErrorKindForStatus } from '../src/index.js';

describe('platformErrorKindForStatus', () => {
  it.each([
    [429, 'rate_limited'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [404, 'not_found'],
    [408, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
    [400, 'permanent'],
    [422, 'permanent'],
  ])('classifies %i as %s', (status, kind) => {
    expect(platformErrorKindForStatus(status)).toBe(kind);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = new Date('2025-06-01T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unreadable value', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
