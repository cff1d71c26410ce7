/**
 * The HTTP platform: app factory, error mapping, validation.
 */
export { addRawRoute, createHttpApp, type HttpApp, type HttpAppOptions } from './app.ts';
export type { RawRoute } from './raw-routes.ts';
export { invalidRequestPart, sendError } from './error-handler.ts';
export { describeValidationErrors, type FieldError } from './validation.ts';
