// The public face of HTTP error handling: throw these from handlers, register the handler once.
export {
  ApiError,
  badRequest,
  conflict,
  forbidden,
  gone,
  notFound,
  serviceUnavailable,
  unauthorized,
} from './api-error.js';
export { type ErrorEnvelope, errorEnvelope, toErrorResponse } from './error-envelope.js';
export { registerErrorHandling } from './error-handler.js';
