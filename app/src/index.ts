/**
 * @module @twin/app
 * The process entry point lives in main.ts; this package exports nothing.
 */
export {};
