/**
 * @module @twin/platform/testing
 * Helpers for tests that run against real engines; never imported by production code.
 */
export { isReachable, skipUnlessReachable, testEngines, uniqueTestName } from './engines.ts';
export { waitFor } from './wait.ts';
export { startTestPlatform, type EngineSet, type TestPlatform, type TestPlatformOptions } from './test-platform.ts';
export { forEachEngineSet, json } from './engine-sets.ts';
