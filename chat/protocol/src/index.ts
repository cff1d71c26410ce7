/**
 * @module @twin/chat-protocol
 * What the chat server and its SDK agree on, with no I/O: the WebSocket frames (versioned,
 * validated by TypeBox schemas), close codes, limits, id types and the base64url codec for
 * opaque message bodies, the MLS Delivery Service's request/response schemas (mls.ts,
 * shared because the SDK drives them) and the hashing both sides' MLS cipher suites use. The other HTTP schemas live with the server routes
 * and are published at /docs.
 */
export * from './ids.ts';
export * from './limits.ts';
export * from './close-codes.ts';
export * from './base64url.ts';
export * from './frames.ts';
export * from './mls.ts';
export { syncHkdfSha256, syncSha256 } from './mls-hash.ts';
