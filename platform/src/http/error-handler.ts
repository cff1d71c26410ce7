/**
 * Turns every failure into the one error envelope with a precise status: our own
 * AppErrors, Fastify's parser and validation errors, and anything unexpected (a 500
 * that is logged with its stack but never shown to the client).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, platformErrors, type ErrorEnvelope, type ErrorSpec } from '../errors.ts';
import { describeValidationErrors } from './validation.ts';

const fastifyCodes: Record<string, ErrorSpec> = {
  FST_ERR_CTP_INVALID_JSON_BODY: platformErrors.invalid_json,
  FST_ERR_CTP_EMPTY_JSON_BODY: platformErrors.invalid_json,
  FST_ERR_CTP_BODY_TOO_LARGE: platformErrors.payload_too_large,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: platformErrors.unsupported_media_type,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: platformErrors.validation_failed,
};

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const envelope: ErrorEnvelope = {
    error: {
      code: error.spec.code,
      message: error.message,
      retryable: error.spec.retryable,
      ...(error.details === undefined ? {} : { details: error.details }),
      requestId: String(reply.request.id),
    },
  };
  return reply.status(error.spec.status).headers(error.headers).type('application/json; charset=utf-8').send(envelope);
}

/** Network failures reaching an engine (Redis, PostgreSQL, NATS, S3): the client may retry. */
const ENGINE_UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);
function isEngineUnreachable(error: FastifyError): boolean {
  return ENGINE_UNREACHABLE_CODES.has(String(error.code)) || error.name === 'MaxRetriesPerRequestError';
}

function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  if (isEngineUnreachable(error)) return new AppError(platformErrors.engine_unavailable);
  if (error.validation) {
    return new AppError(platformErrors.validation_failed, `The request ${error.validationContext ?? 'body'} is invalid.`, {
      details: { fields: describeValidationErrors(error.validation as never, error.validationContext) },
    });
  }
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) return new AppError(known, known === platformErrors.invalid_json ? `The request body is not valid JSON: ${error.message}` : undefined);
  // A JSON body that parses to something other than an object trips Fastify's own checks; still the client's fault.
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(platformErrors.validation_failed, error.message);
  }
  return new AppError(platformErrors.internal);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    // Unexpected failures are errors with their stack; expected 5xx (an engine down, draining) are warnings.
    if (appError.spec === platformErrors.internal) request.log.error({ err: error }, 'request failed');
    else if (appError.spec.status >= 500) request.log.warn({ code: appError.code, cause: error.message }, 'request refused');
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AppError(platformErrors.not_found, `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
