/**
 * Configuration from the environment: the variable table and its validating loader.
 */
export { loadConfig, type Config, type S3Config } from './load.ts';
export { ConfigError, configSpec, ROLES, servesApi, type Role } from './spec.ts';
