/**
 * @module @twin/platform
 * What every service stands on: configuration, HTTP, errors, ids, cursors, auth and
 * accounts, idempotency, rate limits, observability, and the engine seams (also
 * importable on their own as `@twin/platform/sql`, `/bus`, `/cache`, `/blob`).
 */
export * from './errors.ts';
export * from './config/index.ts';
export * from './ids/index.ts';
export * from './cursor/index.ts';
export * from './http/index.ts';
export * from './auth/index.ts';
export * from './observability/index.ts';
export { createPlatform, platformMigrations, type CreatePlatformOptions, type Platform } from './platform.ts';
export { createPlatformApp, type PlatformAppOptions } from './platform-app.ts';
export { runWithGracefulShutdown } from './lifecycle.ts';
export { PeriodicTask, type PeriodicTaskOptions } from './periodic-task.ts';
export { defineFeature, featureMigrations, loadFeatureSettings, startFeatures, type Feature, type FeatureContext, type RunningFeature, type StartedFeatures } from './feature.ts';
