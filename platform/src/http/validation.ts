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

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object) as never;

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
