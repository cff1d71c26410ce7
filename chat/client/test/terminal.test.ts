/**
 * The terminal client as a person runs it (`npm run chat`): two real processes chat
 * through a real server, end-to-end encrypted. The server's log holds only MLS entries
 * for their conversation, and a restarted terminal picks its MLS state up from its state
 * file and goes on sending and reading.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitFor } from '@twin/platform/testing';
import { startChatServer, type ChatServer } from './harness.ts';

const main = join(import.meta.dirname, '..', 'src', 'terminal', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'chat-terminal-'));

class Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';

  constructor(server: ChatServer, handle: string) {
    const args = [main, '--server', server.baseUrl, '--handle', handle, '--password', 'correct horse battery', '--state', join(dir, `${handle}.json`)];
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d) => (this.output += d));
    this.child.stderr.on('data', (d) => (this.output += d));
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async sees(text: string): Promise<void> {
    await waitFor(`"${text}" in the terminal`, () => this.output.includes(text), 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; it shows:\n${this.output}`);
    });
  }

  async quit(): Promise<void> {
    this.type('/quit');
    this.child.stdin.end();
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

let server: ChatServer;
const terminals: Terminal[] = [];
before(async () => {
  server = await startChatServer('embedded');
});
after(async () => {
  for (const t of terminals) t.child.kill('SIGKILL');
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = async (handle: string) => {
  const t = new Terminal(server, handle);
  terminals.push(t);
  await t.sees('· connected');
  return t;
};

test('two terminals chat end-to-end encrypted, and a restarted terminal goes on from its state file', async () => {
  const suffix = process.pid;
  const [alice, bob] = [`alice_t${suffix}`, `bob_t${suffix}`];
  const bobTerminal = await start(bob);
  let aliceTerminal = await start(alice);

  aliceTerminal.type(`/dm ${bob}`);
  await aliceTerminal.sees(`— ${bob} —`);
  aliceTerminal.type('the eagle lands at noon');
  await bobTerminal.sees('the eagle lands at noon');

  bobTerminal.type(`/dm ${alice}`);
  await bobTerminal.sees(`— ${alice} —`);
  bobTerminal.type('copy that');
  await aliceTerminal.sees('copy that');

  const state = JSON.parse(readFileSync(join(dir, `${alice}.json`), 'utf8')) as { mls?: Record<string, string> };
  assert.ok(Object.keys(state.mls ?? {}).length > 0, 'the MLS state is in the state file');

  await aliceTerminal.quit();
  aliceTerminal = await start(alice);
  aliceTerminal.type(`/dm ${bob}`);
  await aliceTerminal.sees(`— ${bob} —`);
  aliceTerminal.type('back again');
  await bobTerminal.sees('back again');
  bobTerminal.type('welcome back');
  await aliceTerminal.sees('welcome back');

  const kinds = await server.t.platform.sql.db
    .selectFrom('chat_message' as never)
    .select(['kind' as never])
    .execute();
  const userKinds = new Set((kinds as Array<{ kind: string }>).map((row) => row.kind).filter((kind) => kind !== 'system'));
  assert.deepEqual([...userKinds], ['mls'], 'the server stored only MLS entries');
  await Promise.all([aliceTerminal.quit(), bobTerminal.quit()]);
});
