import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypedEmitter } from './events.ts';

class Emitter extends TypedEmitter<{ tick: number; error: unknown }> {
  fire(n: number) {
    this.emit('tick', n);
  }
}

test('delivers payloads to listeners until they unsubscribe', () => {
  const emitter = new Emitter();
  const seen: number[] = [];
  const off = emitter.on('tick', (n) => seen.push(n));
  emitter.once('tick', (n) => seen.push(n * 10));
  emitter.fire(1);
  emitter.fire(2);
  off();
  emitter.fire(3);
  assert.deepEqual(seen, [1, 10, 2]);
});

test('reports a throwing listener on error and still calls the others', () => {
  const emitter = new Emitter();
  const errors: unknown[] = [];
  let reached = false;
  emitter.on('error', (e) => errors.push(e));
  emitter.on('tick', () => {
    throw new Error('boom');
  });
  emitter.on('tick', () => (reached = true));
  emitter.fire(1);
  assert.equal(reached, true);
  assert.equal((errors[0] as Error).message, 'boom');
});
