import secureJson from 'secure-json-parse';
import { badRequest } from './errors.js';

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

// Only a body that spells one of these keys (literally or through \u escapes) can poison a prototype.
const SUSPECT_TEXT = /__proto__|constructor|\\u/i;

/**
 * Parses a JSON request body. Throws ApiError 400 `malformed_json` for invalid JSON and for
 * prototype-poisoning keys (found by secure-json-parse, as in Fastify's default parser), and 400
 * `json_too_deep` for nesting beyond MAX_JSON_DEPTH (size is Fastify's bodyLimit: 413).
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
  if (typeof value !== 'object' || value === null) return value;
  // The text test spares the walk for almost every body; the walk itself is iterative, so it
  // does not depend on the depth limit above.
  if (!SUSPECT_TEXT.test(text)) return value;
  try {
    secureJson.scan(value, { protoAction: 'error', constructorAction: 'error' });
  } catch {
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
