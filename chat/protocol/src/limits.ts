/**
 * Limits both sides enforce. The server is the authority (it answers 413 / an error
 * frame); the SDK checks first so an app gets the error before a round trip.
 */

/** Largest message body, in bytes after base64url decoding. Beyond it: 413 over HTTP, `payload_too_large` over WebSocket. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Largest WebSocket frame the gateway reads; a bigger one closes the socket with 1009. Fits a maximal body in base64url plus its header. */
export const MAX_FRAME_BYTES = 128 * 1024;

/** Messages per `deliver` frame and per sync page, at most. */
export const MAX_PAGE_MESSAGES = 500;

/** A socket that sends no auth frame within this long is closed with `auth_timeout`. */
export const AUTH_TIMEOUT_MS = 10_000;
