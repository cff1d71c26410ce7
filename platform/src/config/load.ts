/**
 * Reads and validates the environment once at start. A bad value stops the process
 * with one line naming the variable; nothing starts half-configured.
 */
import { ConfigError, configSpec, type VariableSpec, type VariableTable } from './spec.ts';

type ValueOf<S> = S extends VariableSpec<infer T, infer _D> ? T : never;
type WithDefault<T extends VariableTable> = { [K in keyof T]: T[K]['defaultValue'] extends string ? K : never }[keyof T];

/** The validated values of a variable table: variables with a default are always present. */
export type Settings<T extends VariableTable> = { readonly [K in WithDefault<T>]: ValueOf<T[K]> } & {
  readonly [K in Exclude<keyof T, WithDefault<T>>]?: ValueOf<T[K]>;
};

/** The validated platform configuration. */
export type Config = Settings<typeof configSpec> & { readonly s3?: S3Config };

export interface S3Config {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** Reads and validates every variable of a table; the first bad value throws a ConfigError naming it. */
export function loadSettings<T extends VariableTable>(table: T, env: Record<string, string | undefined> = process.env): Settings<T> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const raw = env[spec.name];
    const source = raw === undefined || raw === '' ? spec.defaultValue : raw;
    if (source === undefined) continue;
    try {
      values[key] = spec.parse(source);
    } catch (error) {
      throw new ConfigError(spec.name, (error as Error).message);
    }
  }
  return values as Settings<T>;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const values: Record<string, unknown> = { ...loadSettings(configSpec, env) };
  if ((values.s3Endpoint === undefined) !== (values.s3Bucket === undefined)) {
    throw new ConfigError(values.s3Endpoint ? 'S3_BUCKET' : 'S3_ENDPOINT', 'S3_ENDPOINT and S3_BUCKET must be set together');
  }
  if (typeof values.cursorSecret === 'string' && values.cursorSecret.length < 32) {
    throw new ConfigError('CURSOR_SECRET', 'must be at least 32 characters');
  }
  if (values.s3Endpoint) {
    values.s3 = {
      endpoint: values.s3Endpoint,
      bucket: values.s3Bucket,
      region: values.s3Region,
      accessKeyId: values.s3AccessKeyId,
      secretAccessKey: values.s3SecretAccessKey,
      forcePathStyle: values.s3ForcePathStyle,
    };
  }
  return values as Config;
}
