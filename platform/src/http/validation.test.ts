import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { acceptsEveryHeader, validatorCompiler } from './validation.ts';

const compileHeaders = (schema: object) => validatorCompiler({ schema, httpPart: 'headers', method: 'GET', url: '/' }) as (value: unknown) => unknown;

test('a headers schema of optional, unconstrained strings accepts every request', () => {
  const schema = Type.Object({ range: Type.Optional(Type.String({ description: 'One byte range.' })), 'if-none-match': Type.Optional(Type.String()) });
  assert.equal(acceptsEveryHeader(schema), true);
  assert.equal(compileHeaders(schema)({ range: 'bytes=0-1', other: 'x' }), true);
});

test('a headers schema that constrains a value is run', () => {
  const cases = {
    required: Type.Object({ range: Type.String() }),
    pattern: Type.Object({ range: Type.Optional(Type.String({ pattern: '^bytes=' })) }),
    'not a string': Type.Object({ count: Type.Optional(Type.Integer()) }),
    'a default': Type.Object({ range: Type.Optional(Type.String({ default: 'bytes=0-' })) }),
    'no other headers': Type.Object({ range: Type.Optional(Type.String()) }, { additionalProperties: false }),
  };
  for (const [name, schema] of Object.entries(cases)) assert.equal(acceptsEveryHeader(schema), false, name);
  assert.equal(compileHeaders(cases.pattern)({ range: 'lines=1' }), false);
  assert.equal(compileHeaders(cases.pattern)({ range: 'bytes=0-1' }), true);
  assert.equal(compileHeaders(cases.required)({}), false);
});
