/**
 * Logs and metrics.
 */
export { createLogger, REDACTED_PATHS, type Logger } from './logger.ts';
export { Metrics } from './metrics.ts';
