/**
 * Turns every failure into the one error envelope with a precise status: our own
 * AppErrors, Fastify's parser and validation errors, and anything unexpected (a 500
 * that is logged with its stack but never shown to the client).
 */
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, platformErrors, type ErrorEnvelope, type ErrorSpec } from '../errors.ts';
import { describeValidationErrors, type FieldError } from './validation.ts';

const fastifyCodes: Record<string, ErrorSpec> = {
  FST_ERR_CTP_INVALID_JSON_BODY: platformErrors.invalid_json,
  FST_ERR_CTP_EMPTY_JSON_BODY: platformErrors.invalid_json,
  FST_ERR_CTP_BODY_TOO_LARGE: platformErrors.payload_too_large,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: platformErrors.unsupported_media_type,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: platformErrors.validation_failed,
};

export const ENVELOPE_CONTENT_TYPE = 'application/json; charset=utf-8';

export function errorEnvelope(error: AppError, requestId: string): ErrorEnvelope {
  return {
    error: {
      code: error.spec.code,
      message: error.message,
      retryable: error.spec.retryable,
      ...(error.details === undefined ? {} : { details: error.details }),
      requestId,
    },
  };
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  return reply.status(error.spec.status).headers(error.headers).type(ENVELOPE_CONTENT_TYPE).send(errorEnvelope(error, String(reply.request.id)));
}

/** Network failures reaching an engine (Redis, PostgreSQL, NATS, S3): the client may retry. */
const ENGINE_UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);
function isEngineUnreachable(error: FastifyError): boolean {
  return ENGINE_UNREACHABLE_CODES.has(String(error.code)) || error.name === 'MaxRetriesPerRequestError';
}

/** The 400 for a request part that fails its schema, listing the failing fields. */
export function invalidRequestPart(part: string, fields: FieldError[]): AppError {
  return new AppError(platformErrors.validation_failed, `The request ${part} is invalid.`, { details: { fields } });
}

function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  if (isEngineUnreachable(error)) return new AppError(platformErrors.engine_unavailable);
  if (error.validation) return invalidRequestPart(error.validationContext ?? 'body', describeValidationErrors(error.validation as never, error.validationContext));
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) return new AppError(known, known === platformErrors.invalid_json ? `The request body is not valid JSON: ${error.message}` : undefined);
  // A JSON body that parses to something other than an object trips Fastify's own checks; still the client's fault.
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(platformErrors.validation_failed, error.message);
  }
  return new AppError(platformErrors.internal);
}

/** The failure as an AppError, logged when it is the server's: unexpected ones as errors with their stack, expected 5xx (an engine down, draining) as warnings. */
export function logged(error: FastifyError, log: FastifyBaseLogger): AppError {
  const appError = toAppError(error);
  if (appError.spec === platformErrors.internal) log.error({ err: error }, 'request failed');
  else if (appError.spec.status >= 500) log.warn({ code: appError.code, cause: error.message }, 'request refused');
  return appError;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendError(reply, logged(error, request.log)));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AppError(platformErrors.not_found, `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
