import { badRequest } from './api-error.js';

/** Deepest nesting of objects and arrays a JSON body may have. Real payloads stay under 20. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON text nests objects/arrays deeper than `limit`. One pass over the characters,
 * no recursion and no parse, so it is safe on a body 100,000 levels deep; brackets inside strings
 * do not count. Invalid JSON is left for the parser to reject.
 */
export function jsonNestsDeeperThan(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function tooDeep(): never {
  throw badRequest('json_too_deep', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
}

// Keys that, once merged into another object with Object.assign or similar, rewrite prototypes.
// A body can only contain them literally or through \u escapes, so cheap text checks gate the walk.
const SUSPECT_TEXT = /__proto__|constructor|\\u/i;

function hasPrototypeKey(root: unknown): boolean {
  // An explicit stack: the depth limit makes recursion safe today, but this must not depend on it.
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    if (Object.hasOwn(value, '__proto__')) return true;
    const record = value as Record<string, unknown>;
    const ctor = Object.hasOwn(value, 'constructor') ? record.constructor : undefined;
    if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return true;
    for (const item of Object.values(record)) stack.push(item);
  }
  return false;
}

/**
 * Parses a JSON request body. Throws ApiError 400 `malformed_json` for invalid JSON and for
 * prototype-poisoning keys (what Fastify's default parser rejects too), and 400 `json_too_deep`
 * for nesting beyond MAX_JSON_DEPTH (size is Fastify's bodyLimit: 413).
 */
export function parseJsonBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (jsonNestsDeeperThan(text)) tooDeep();
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

/**
 * For webhook bodies that stay bytes (signatures are checked over them): true when the body, as
 * JSON or as a form whose fields carry JSON (a `payload=` field), nests deeper than the limit.
 */
export function rawBodyNestsTooDeep(body: unknown, contentType: string | undefined): boolean {
  if (!Buffer.isBuffer(body) || body.length === 0) return false;
  const text = body.toString('utf8');
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    for (const value of new URLSearchParams(text).values()) {
      if (jsonNestsDeeperThan(value)) return true;
    }
    return false;
  }
  return jsonNestsDeeperThan(text);
}
