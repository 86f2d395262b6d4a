import type { z } from 'zod';
import { InvalidEnvelopeError } from '../errors.js';

/** Shared by the envelope validators so both throw the same typed error with zod's issues. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidEnvelopeError(result.error.issues);
  return result.data;
}
