import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/supervisor/backoff.js';

describe('reconnect backoff', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles the ceiling per attempt up to the cap', () => {
    const atCeiling = () => 0.999_999;
    expect(backoffDelay(0, policy, atCeiling)).toBe(999);
    expect(backoffDelay(1, policy, atCeiling)).toBe(1_999);
    expect(backoffDelay(5, policy, atCeiling)).toBe(31_999);
    expect(backoffDelay(6, policy, atCeiling)).toBe(59_999);
    expect(backoffDelay(10_000, policy, atCeiling)).toBe(59_999);
  });

  it('draws the delay uniformly below the ceiling (full jitter)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(4_000);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(4, policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(16_000);
    }
  });
});
