import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configSpec } from '@twin/platform';
import { features } from '../src/features.ts';

test('the README configuration table lists every variable of the platform and of every feature', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const tables = [configSpec, ...features.map((feature) => feature.settings)];
  for (const spec of tables.flatMap((table) => Object.values(table))) assert.ok(readme.includes(`\`${spec.name}\``), `README lacks ${spec.name}`);
});
