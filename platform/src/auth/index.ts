/**
 * Authentication primitives: password hashing, access tokens, the process's secrets.
 */
export { AccessTokenIssuer, type AccessClaims } from './access-tokens.ts';
export { hashPassword, verifyPassword, verifyPasswordOrBurn } from './passwords.ts';
export { loadSecrets, type Secrets } from './secrets.ts';
export { authPlugin, type AuthPluginOptions } from './plugin.ts';
