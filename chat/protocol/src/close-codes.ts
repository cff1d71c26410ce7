/**
 * WebSocket close codes the gateway uses (RFC 6455 §7.4; 4000–4999 are ours).
 * A client reconnects with backoff after any of them except the ones marked final.
 */
export const CloseCode = {
  /** Server shutting down or draining this node: reconnect (to another node). */
  goingAway: 1001,
  /** Protocol violation: a frame that is not JSON, has an unknown type, or breaks the state machine (e.g. `send` before `auth`). */
  policyViolation: 1008,
  /** A frame larger than MAX_FRAME_BYTES. */
  messageTooBig: 1009,
  /** No auth frame in time, or the token was rejected: get a fresh device token, then reconnect. */
  unauthorized: 4001,
  /** The device was removed from its account: final, do not reconnect. */
  deviceRevoked: 4003,
  /** No frame (not even a ping) for the idle timeout. */
  idleTimeout: 4008,
  /** The socket fell too far behind (backpressure): reconnect and catch up by sync. */
  tooSlow: 4029,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which a client must not reconnect on its own. */
export const FINAL_CLOSE_CODES: readonly number[] = [CloseCode.deviceRevoked];
