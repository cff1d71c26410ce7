/**
 * `npm run chat -- --handle alice --password '…'`: a person-sized chat client in a
 * terminal. Signs up or in, registers this terminal as a device on first run (its key
 * pair, cursors, outbox and MLS state live in a JSON state file), connects, and turns
 * input lines into end-to-end encrypted messages and commands.
 */
import { clearLine, cursorTo, createInterface, emitKeypressEvents } from 'node:readline';
import { ChatClient } from '../chat-client.ts';
import { ensureDevice } from '../device-setup.ts';
import { ChatApi } from '../http/chat-api.ts';
import { ChatApiError } from '../http/errors.ts';
import type { StoredDevice } from '../store/interface.ts';
import { parseTerminalArgs, UsageError, type TerminalOptions } from './args.ts';
import { JsonFileChatStore } from './json-file-store.ts';
import { HELP, TerminalSession } from './session.ts';

async function signInOrUp(api: ChatApi, handle: string, password: string): Promise<string> {
  try {
    return (await api.signIn(handle, password)).accessToken;
  } catch (error) {
    if (!(error instanceof ChatApiError) || error.status !== 401) throw error;
    // Unknown handle and wrong password look the same (401): try to create it; a taken handle means the password was wrong.
    try {
      await api.createAccount(handle, password);
    } catch (createError) {
      if (createError instanceof ChatApiError && createError.code === 'handle_taken') throw new Error(`wrong password for ${handle}`);
      throw createError;
    }
    console.log(`created account ${handle}`);
    return (await api.signIn(handle, password)).accessToken;
  }
}

async function setUpDevice(options: TerminalOptions, store: JsonFileChatStore): Promise<StoredDevice> {
  const existing = await store.getDevice();
  if (existing) return existing;
  if (!options.password) throw new UsageError('first run on this state file: --password is needed to sign in (or up) and register the device');
  const api = new ChatApi({ baseUrl: options.server });
  const accountToken = await signInOrUp(api, options.handle, options.password);
  try {
    const device = await ensureDevice({ api, store, accountToken, name: options.deviceName, ...(options.linkCode ? { linkCode: options.linkCode } : {}) });
    await store.setTerminal({ server: options.server, handle: options.handle });
    console.log(`registered this terminal as device ${device.deviceId} (state in ${store.path})`);
    return device;
  } catch (error) {
    if (error instanceof ChatApiError && error.code === 'invalid_link_code') {
      throw new Error(`${options.handle} already has a device: on it type /link, then start this one with --link-code <code>`);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const options = parseTerminalArgs(process.argv.slice(2));
  const store = await JsonFileChatStore.open(options.statePath);
  const device = await setUpDevice(options, store);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  let closed = false;
  rl.on('close', () => (closed = true));
  const prompt = () => {
    if (!closed) rl.prompt(true);
  };
  const print = (line: string) => {
    if (process.stdout.isTTY) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    console.log(line);
    prompt();
  };
  let session: TerminalSession | undefined;
  // End-to-end encrypted (MLS): the group state lives in the same state file as the device key.
  const client = await ChatClient.start({ baseUrl: options.server, store, device, encryption: { store }, onMessages: (messages) => session?.show(messages) });
  session = new TerminalSession(client, options.handle, print);
  client.on('connection', (event) => {
    if (event.state === 'live') print('· connected');
    if (event.state === 'waiting') print(`· offline (${event.reason || event.closeCode || 'connection lost'}); retrying in ${Math.round((event.retryInMs ?? 0) / 100) / 10} s`);
    if (event.state === 'revoked') print('· this device was removed from the account; delete the state file to register again');
  });
  client.on('error', (error) => print(`! ${(error as Error).message}`));
  print(`signed in as ${options.handle}; /help for commands`);
  if (process.stdin.isTTY) {
    emitKeypressEvents(process.stdin);
    process.stdin.on('keypress', () => session?.keystroke());
  }
  prompt();
  for await (const line of rl) {
    if (!(await session.run(line))) break;
    prompt();
  }
  rl.close();
  await client.whenIdle();
  await client.stop();
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : `error: ${(error as Error).message}`);
  if (error instanceof UsageError) console.error(`\n${HELP}`);
  process.exit(1);
});
