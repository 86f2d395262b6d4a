import { describe, expect, it } from 'vitest';
import { refusalStatus } from '../../src/ingress/refusal-status.js';

describe('refusalStatus', () => {
  it('keeps 401 when the adapter names no status', () => {
    expect(refusalStatus(undefined)).toBe(401);
  });

  it('honours 403 as an adapter asks, and no status the routes do not document', () => {
    expect(refusalStatus(403)).toBe(403);
    expect(refusalStatus(200)).toBe(401);
    expect(refusalStatus(500)).toBe(401);
  });
});
