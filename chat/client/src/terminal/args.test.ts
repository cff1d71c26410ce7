import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseTerminalArgs, UsageError } from './args.ts';

test('defaults the server and keeps state per handle under ~/.twin-chat', () => {
  const options = parseTerminalArgs(['--handle', 'Alice', '--password', 'pw'], {});
  assert.equal(options.server, 'http://127.0.0.1:8080');
  assert.equal(options.statePath, join(homedir(), '.twin-chat', 'alice.json'));
  assert.equal(options.password, 'pw');
});

test('asks for a handle and rejects unknown options', () => {
  assert.throws(() => parseTerminalArgs([], {}), UsageError);
  assert.throws(() => parseTerminalArgs(['--handle', 'a', '--colour'], {}), /Unknown option/);
});
