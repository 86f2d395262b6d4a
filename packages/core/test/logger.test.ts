import { describe, expect, it } from 'vitest';
import { noopLogger } from '../src/index.js';

describe('noopLogger', () => {
  it('accepts pino-style calls and returns itself as a child', () => {
    expect(() => {
      noopLogger.info({ installationId: 'i' }, 'started');
      noopLogger.error('failed');
    }).not.toThrow();
    expect(noopLogger.child({ a: 1 })).toBe(noopLogger);
  });
});
