/**
 * Command-line options of the terminal client.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface TerminalOptions {
  server: string;
  handle: string;
  /** Needed on first run only (to sign in and register the device). */
  password?: string;
  statePath: string;
  deviceName: string;
  linkCode?: string;
}

export const USAGE = `usage: npm run chat -- --handle <handle> --password <password> [--server http://127.0.0.1:8080]
                        [--state <file>] [--device-name <name>] [--link-code <code>]

Signs up (or in), registers this terminal as a device on first run (state in
~/.twin-chat/<handle>.json), then chats. Type /help for commands.`;

export function parseTerminalArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): TerminalOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string', default: env.CHAT_SERVER ?? 'http://127.0.0.1:8080' },
      handle: { type: 'string' },
      password: { type: 'string', default: env.CHAT_PASSWORD },
      state: { type: 'string' },
      'device-name': { type: 'string' },
      'link-code': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || !values.handle) throw new UsageError(USAGE);
  return {
    server: values.server!,
    handle: values.handle,
    ...(values.password ? { password: values.password } : {}),
    statePath: values.state ?? join(homedir(), '.twin-chat', `${values.handle.toLowerCase()}.json`),
    deviceName: values['device-name'] ?? `terminal (${process.platform})`,
    ...(values['link-code'] ? { linkCode: values['link-code'] } : {}),
  };
}

export class UsageError extends Error {}
