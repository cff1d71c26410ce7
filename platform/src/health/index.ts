/**
 * Liveness, readiness and metrics endpoints.
 */
export { healthRoutes, type HealthRoutesOptions, type ReadinessCheck } from './routes.ts';
