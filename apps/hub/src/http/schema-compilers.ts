import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

export interface SchemaCompilerOptions {
  /**
   * Check every response against its documented schema and fail the request (500) when it does
   * not match or carries an undocumented field. For tests: it keeps the OpenAPI document true.
   */
  checkResponses?: boolean;
}

/**
 * Route schemas are zod schemas (fastify-type-provider-zod turns them into the OpenAPI document):
 * requests are validated with them (a failure is a 400 invalid_input with the zod issues; the API
 * plugin validates inside its handlers instead, see `documentOnlyValidation`), and responses are
 * serialized as they are, never stripped to their schema.
 */
export function registerSchemaCompilers(app: FastifyInstance, options: SchemaCompilerOptions = {}): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(({ schema, method, url }) => {
    if (!options.checkResponses || !(schema instanceof z.ZodType)) return (data) => JSON.stringify(data);
    return (data) => {
      const json = JSON.stringify(data);
      if (json === undefined) return json;
      const sent: unknown = JSON.parse(json);
      const parsed = schema.safeParse(sent);
      if (!parsed.success || !isDeepStrictEqual(JSON.parse(JSON.stringify(parsed.data)), sent)) {
        const problem = parsed.success ? 'carries undocumented fields' : z.prettifyError(parsed.error);
        throw new Error(`response of ${method} ${url} does not match its schema: ${problem}`);
      }
      return json;
    };
  });
}
