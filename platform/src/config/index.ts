/**
 * Configuration from the environment: the variable table and its validating loader.
 */
export { loadConfig, loadSettings, type Config, type S3Config, type Settings } from './load.ts';
export { ConfigError, configSpec, parsers, ROLES, servesApi, variable, type Parser, type Role, type VariableSpec, type VariableTable } from './spec.ts';
