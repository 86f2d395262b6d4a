import type { z } from 'zod';
import { MalformedPayloadError, type ValidationIssue } from './errors.js';

/**
 * Decodes a webhook body as strict UTF-8 JSON. Invalid bytes or JSON become MalformedPayloadError
 * (the hub answers 400), never a crash. `source` names the platform in the message.
 */
export function decodeJsonBody(rawBody: Uint8Array, source: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch (cause) {
    throw new MalformedPayloadError(`${source} webhook body is not UTF-8 JSON`, { cause });
  }
}

/**
 * Validates part of a payload; issue paths are prefixed with `path` so they point into the whole
 * body. A mismatch becomes MalformedPayloadError with `message`.
 */
export function checkPayload<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: PropertyKey[],
  message: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    ...issue,
    path: [...path, ...issue.path],
  }));
  throw new MalformedPayloadError(message, { issues });
}
