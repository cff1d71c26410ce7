/**
 * The HTTP platform: app factory, error mapping, validation.
 */
export { createHttpApp, type HttpApp, type HttpAppOptions } from './app.ts';
export { sendError } from './error-handler.ts';
export { describeValidationErrors, type FieldError } from './validation.ts';
