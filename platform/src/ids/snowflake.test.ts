import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSnowflake, SnowflakeGenerator, snowflakeNode, snowflakeTime } from './snowflake.ts';

test('ids are unique and strictly increasing across many in one millisecond', () => {
  const gen = new SnowflakeGenerator(7, () => 1_700_000_000_000);
  const ids = Array.from({ length: 10_000 }, () => BigInt(gen.next()));
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `id ${i} not increasing`);
});

test('a clock stepping backwards never reissues an id', () => {
  let now = 1_700_000_000_000;
  const gen = new SnowflakeGenerator(1, () => now);
  const first = BigInt(gen.next());
  now -= 5_000;
  assert.ok(BigInt(gen.next()) > first);
});

test('two nodes in the same millisecond produce different ids', () => {
  const a = new SnowflakeGenerator(1, () => 1_700_000_000_000).next();
  const b = new SnowflakeGenerator(2, () => 1_700_000_000_000).next();
  assert.notEqual(a, b);
});

test('encodes the creation time and exceeds 2^53 so JSON must carry it as a string', () => {
  const id = new SnowflakeGenerator(3, () => Date.UTC(2026, 0, 1)).next();
  assert.equal(snowflakeTime(id).toISOString(), '2026-01-01T00:00:00.000Z');
  assert.ok(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER));
  assert.ok(isSnowflake(id));
});

test('encodes the node that minted it, at every sequence number', () => {
  for (const node of [0, 1, 512, 1023]) {
    const gen = new SnowflakeGenerator(node, () => Date.UTC(2026, 0, 1));
    for (let i = 0; i < 4097; i++) assert.equal(snowflakeNode(gen.next()), node);
  }
});

test('isSnowflake rejects non-numeric, negative, leading-zero and oversized values', () => {
  for (const bad of ['', 'abc', '-1', '0123', '9223372036854775808', '1e5']) assert.equal(isSnowflake(bad), false, bad);
});

test('rejects a node id outside 0..1023', () => {
  assert.throws(() => new SnowflakeGenerator(1024), RangeError);
});
