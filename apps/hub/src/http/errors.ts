/**
 * The one error type handlers throw on purpose. Its status, code and message go to the client
 * verbatim, so messages must be written for API callers (no internals, no secrets).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    /** Stable, snake_case, part of the API contract: clients branch on it. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function badRequest(code: string, message: string, details?: unknown): ApiError {
  return new ApiError(400, code, message, details);
}

export function unauthorized(message = 'authentication required'): ApiError {
  return new ApiError(401, 'unauthorized', message);
}

export function forbidden(message = 'not allowed'): ApiError {
  return new ApiError(403, 'forbidden', message);
}

/** `what` names the missing thing for the caller, e.g. `notFound('workspace')`. */
export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}

export function conflict(code: string, message: string): ApiError {
  return new ApiError(409, code, message);
}

export function gone(code: string, message: string): ApiError {
  return new ApiError(410, code, message);
}

export function serviceUnavailable(message = 'service temporarily unavailable; retry later'): ApiError {
  return new ApiError(503, 'service_unavailable', message);
}
