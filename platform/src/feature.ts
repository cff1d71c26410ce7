/**
 * How a product feature (chat, video) plugs into the one process: it declares its
 * settings (environment variables, listed in the README) and its migrations, and once the
 * platform is up it starts its background work for this process's role and registers its
 * routes on the HTTP app. `main.ts` and the integration-test harness start features the
 * same way, so tests exercise exactly what a deployment runs.
 */
import type { Migration } from 'kysely/migration';
import { loadSettings, type Settings } from './config/load.ts';
import type { Role, VariableTable } from './config/spec.ts';
import type { HttpApp } from './http/app.ts';
import type { Platform } from './platform.ts';

export interface FeatureContext<T extends VariableTable> {
  readonly platform: Platform;
  /** The process's role: a feature starts only the parts that role runs. */
  readonly role: Role;
  readonly settings: Settings<T>;
}

export interface RunningFeature {
  /** Registers this feature's routes (HTTP, WebSocket, SSE) for the process's role. */
  register?(app: HttpApp): Promise<void>;
  /** Stops background work (consumers, timers, sockets); runs after HTTP stops accepting and before the engines close. */
  stop(): Promise<void>;
}

export interface Feature<T extends VariableTable = VariableTable> {
  readonly name: string;
  /** Environment variables this feature reads, validated at start with the platform's. */
  readonly settings: T;
  readonly migrations: Record<string, Migration>;
  start(context: FeatureContext<T>): Promise<RunningFeature>;
}

/** Identity function that lets TypeScript infer a feature's settings type. */
export function defineFeature<T extends VariableTable>(feature: Feature<T>): Feature<T> {
  return feature;
}

/** Validates every feature's settings before anything starts, so a bad value stops the process at once. */
export function loadFeatureSettings(features: readonly Feature[], env: Record<string, string | undefined> = process.env): Map<Feature, Settings<VariableTable>> {
  return new Map(features.map((feature) => [feature, loadSettings(feature.settings, env)]));
}

export function featureMigrations(features: readonly Feature[]): Record<string, Migration> {
  return Object.assign({}, ...features.map((feature) => feature.migrations)) as Record<string, Migration>;
}

export interface StartedFeatures {
  register(app: HttpApp): Promise<void>;
  /** Stops the features in reverse start order. */
  stop(): Promise<void>;
}

export async function startFeatures(platform: Platform, settings: Map<Feature, Settings<VariableTable>>): Promise<StartedFeatures> {
  const running: RunningFeature[] = [];
  for (const [feature, values] of settings) {
    running.push(await feature.start({ platform, role: platform.config.role, settings: values }));
  }
  return {
    async register(app) {
      for (const feature of running) await feature.register?.(app);
    },
    async stop() {
      for (const feature of running.toReversed()) await feature.stop();
    },
  };
}
