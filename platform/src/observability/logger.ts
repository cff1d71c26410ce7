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

export interface LoggerOptions {
  level: string;
  /** A stream to write to (tests); default: the file or fd below. */
  destination?: DestinationStream;
  /** File path or descriptor for the default destination; default 1 (stdout). */
  file?: string | number;
}

export function createLogger(options: LoggerOptions): Logger {
  // Asynchronous writes: lines logged while a write is in flight go out together in the
  // next one, instead of one blocking write(2) per line (the largest per-request cost in
  // the profile). pino flushes what is buffered when the process exits.
  const destination = options.destination ?? pino.destination({ dest: options.file ?? 1, sync: false });
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
