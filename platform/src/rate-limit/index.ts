/**
 * Rate limits: token buckets per IP, per account and per sensitive action.
 */
export { rateLimitPlugin, type RateLimitPluginOptions } from './plugin.ts';
export { RateLimiter, type RateLimitPolicy, type TokenBucketStore } from './rate-limiter.ts';
