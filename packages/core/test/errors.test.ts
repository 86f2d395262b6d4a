import { describe, expect, it } from 'vitest';
import {
  InvalidConfigError,
  isNotFound,
  isRetryable,
  MalformedPayloadError,
  MediaNotFoundError,
  MediaTooLargeError,
  NotFoundError,
  PlatformError,
  SwitchboardError,
} from '../src/index.js';

describe('errors', () => {
  it('treats only NotFoundError as "not found"', () => {
    expect(isNotFound(new NotFoundError('workspace', 'acme'))).toBe(true);
    expect(isNotFound(new PlatformError('not_found', 'no such chat'))).toBe(false);
    expect(isNotFound(new Error('connection refused'))).toBe(false);
    expect(isNotFound({ code: 'not_found' })).toBe(false);
  });

  it('names the entity and key of a missing record', () => {
    const error = new NotFoundError('workspace', 'acme');
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({
      code: 'not_found',
      entity: 'workspace',
      key: 'acme',
      name: 'NotFoundError',
    });
    expect(error.message).toBe('workspace "acme" not found');
  });

  it('retries only rate-limited and transient platform errors', () => {
    expect(isRetryable(new PlatformError('rate_limited', 'slow down', { retryAfterMs: 2000 }))).toBe(true);
    expect(isRetryable(new PlatformError('transient', 'bad gateway', { status: 502 }))).toBe(true);
    expect(isRetryable(new PlatformError('permanent', 'bad request', { status: 400 }))).toBe(false);
    expect(isRetryable(new PlatformError('unauthorized', 'token revoked'))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
  });

  it('keeps platform details on the error', () => {
    const error = new PlatformError('rate_limited', 'slow down', {
      retryAfterMs: 1500,
      status: 429,
      platformCode: 'ratelimited',
    });
    expect(error).toMatchObject({
      code: 'platform_error',
      kind: 'rate_limited',
      retryAfterMs: 1500,
      status: 429,
    });
    expect(error.platformCode).toBe('ratelimited');
  });

  it('summarises config issues by path without echoing values', () => {
    const error = new InvalidConfigError([
      {
        code: 'too_small',
        minimum: 8,
        origin: 'string',
        inclusive: true,
        path: ['signingSecret'],
        message: 'Too small',
        input: 'abc',
      },
    ]);
    expect(error.code).toBe('invalid_config');
    expect(error.message).toBe('invalid channel config: signingSecret: Too small');
    expect(error.issues).toHaveLength(1);
  });

  it('marks malformed payloads with their own code', () => {
    expect(new MalformedPayloadError('body is not JSON').code).toBe('malformed_payload');
  });
});

describe('media errors', () => {
  it('carry stable codes and the cap', () => {
    expect(new MediaNotFoundError().code).toBe('media_not_found');
    const tooLarge = new MediaTooLargeError(100, 250);
    expect(tooLarge).toMatchObject({ code: 'media_too_large', maxBytes: 100, size: 250 });
    expect(tooLarge.message).toMatch(/250 bytes, over the 100-byte cap/);
    expect(new MediaTooLargeError(100).size).toBeUndefined();
  });
});
