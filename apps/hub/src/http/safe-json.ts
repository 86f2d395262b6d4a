import { badRequest } from './api-error.js';

// Keys that, once merged into another object with Object.assign or similar, rewrite prototypes.
// A body can only contain them literally or through \u escapes, so cheap text checks gate the walk.
const SUSPECT_TEXT = /__proto__|constructor|\\u/i;

function hasPrototypeKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasPrototypeKey);
  if (Object.hasOwn(value, '__proto__')) return true;
  const record = value as Record<string, unknown>;
  const ctor = Object.hasOwn(value, 'constructor') ? record.constructor : undefined;
  if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return true;
  return Object.values(record).some(hasPrototypeKey);
}

/**
 * Parses a JSON request body. Throws ApiError 400 `malformed_json` for invalid JSON and for
 * prototype-poisoning keys (what Fastify's default parser rejects too).
 */
export function parseJsonBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('malformed_json', 'request body is not valid JSON');
  }
  if (SUSPECT_TEXT.test(text) && hasPrototypeKey(value)) {
    throw badRequest('malformed_json', 'request body contains a forbidden prototype key');
  }
  return value;
}
