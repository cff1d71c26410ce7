/**
 * Request validation with two Ajv instances: bodies are checked strictly (a number sent
 * as "5" is a wrong type, unknown fields are refused by `additionalProperties: false` in
 * the schemas), while path and query strings, which are always text on the wire, are
 * coerced to the declared types.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  return ajv;
}

const strictAjv = makeAjv(false);
const coercingAjv = makeAjv('array');

/** Keywords that describe a value without constraining it. */
const ANNOTATIONS = new Set(['type', 'title', 'description', '$comment', 'examples', 'deprecated']);

/**
 * True for a headers schema that only lists optional strings with no constraint: header
 * values always arrive as strings, so it accepts every request and is there for the
 * OpenAPI document. Running it anyway cost the video origin ~10% of its requests/s on a
 * 1 KB playlist.
 */
export function acceptsEveryHeader(schema: unknown): boolean {
  const s = schema as { type?: unknown; properties?: Record<string, Record<string, unknown>>; required?: unknown[] };
  if (s.type !== 'object' || (s.required?.length ?? 0) > 0) return false;
  return Object.keys(s).every((key) => key === 'properties' || ANNOTATIONS.has(key)) &&
    Object.values(s.properties ?? {}).every((p) => p.type === 'string' && Object.keys(p).every((key) => ANNOTATIONS.has(key)));
}

const acceptAll = () => true;

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart === 'headers' && acceptsEveryHeader(schema)) return acceptAll;
  return (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object) as never;
};

export interface FieldError {
  /** JSON pointer into the request part, e.g. `/handle`; `/` for the part itself. */
  field: string;
  /** Which part of the request: `body`, `querystring`, `params` or `headers`. */
  in: string;
  message: string;
}

/** Ajv errors as `{ field, message }` pairs that name the offending field. */
export function describeValidationErrors(errors: ErrorObject[], part: string | undefined): FieldError[] {
  return errors.map((error) => {
    const missing = error.keyword === 'required' ? `/${(error.params as { missingProperty: string }).missingProperty}` : '';
    const extra = error.keyword === 'additionalProperties' ? `/${(error.params as { additionalProperty: string }).additionalProperty}` : '';
    const field = `${error.instancePath}${missing}${extra}` || '/';
    return { field, in: part ?? 'body', message: error.message ?? 'is invalid' };
  });
}
