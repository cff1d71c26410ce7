/**
 * The one error the MLS engine throws: a stable `code` an app or the SDK can branch on
 * (drop a replay, fetch the missing commit first, ask the server for a fresh key package),
 * with the ts-mls failure kept as `cause` for logs. Every failure of the library on
 * hostile input becomes one of these, never a crash of the caller.
 */
export const MlsErrorCodes = {
  /** No state for this group on this device (never joined, or removed). */
  mls_unknown_group: 'mls_unknown_group',
  /** The bytes are not an MLS message of the expected wire format. */
  mls_malformed: 'mls_malformed',
  /** A PrivateMessage that does not decrypt or whose signature does not verify (tampered, or not for us). */
  mls_undecryptable: 'mls_undecryptable',
  /** A handshake whose membership tag, signature or content does not verify against the group. */
  mls_invalid_handshake: 'mls_invalid_handshake',
  /** A message whose key was already used: a replay. */
  mls_replay: 'mls_replay',
  /** A message from an epoch this device has left behind (its keys are gone). */
  mls_stale_epoch: 'mls_stale_epoch',
  /** A message from an epoch this device has not reached yet: process the commits before it. */
  mls_future_epoch: 'mls_future_epoch',
  /** A Welcome that names none of this device's key packages. */
  mls_no_key_package: 'mls_no_key_package',
  /** A key package that does not decode, uses another cipher suite or fails its signature. */
  mls_invalid_key_package: 'mls_invalid_key_package',
  /** A device named in a change is (add) already or (remove) not a member. */
  mls_membership_conflict: 'mls_membership_conflict',
  /** A staged commit awaits the server's answer; confirm or discard it first. */
  mls_commit_pending: 'mls_commit_pending',
  /** Serialized state that does not decode. */
  mls_corrupt_state: 'mls_corrupt_state',
} as const;

export type MlsErrorCode = keyof typeof MlsErrorCodes;

export class MlsEngineError extends Error {
  readonly code: MlsErrorCode;

  constructor(code: MlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlsEngineError';
    this.code = code;
  }
}
