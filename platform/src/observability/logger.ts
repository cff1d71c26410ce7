/**
 * The process logger: pino JSON lines. Secrets never reach a log line: credentials in
 * headers and bodies are redacted by path wherever they appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  'password',
  'accessToken',
  'refreshToken',
  'privateKey',
  'secret',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.privateKey',
  '*.secret',
  '*.token',
];

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export type { Logger };
