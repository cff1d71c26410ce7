/**
 * @module @twin/platform/testing
 * Helpers for tests that run against real engines; never imported by production code.
 */
export { isReachable, skipUnlessReachable, testEngines, uniqueTestName } from './engines.ts';
export { waitFor } from './wait.ts';
export { startTestCluster, startTestPlatform, type EngineSet, type TestCluster, type TestPlatform, type TestPlatformOptions } from './test-platform.ts';
export { openDistributedNamespace, type DistributedNamespace } from './distributed-namespace.ts';
export { forEachEngineSet, json } from './engine-sets.ts';
