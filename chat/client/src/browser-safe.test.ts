/**
 * The SDK must run in browsers: outside the terminal client and tests, no module may
 * import Node built-ins or use Node-only globals.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

function sdkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'terminal' ? [] : sdkFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.case.ts') ? [path] : [];
  });
}

test('SDK modules import no node: built-ins and use no Buffer or process', () => {
  const offenders: string[] = [];
  for (const file of sdkFiles(import.meta.dirname)) {
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    if (/from ['"]node:|\bBuffer\b|\bprocess\./.test(source)) offenders.push(relative(import.meta.dirname, file));
  }
  assert.deepEqual(offenders, []);
});
