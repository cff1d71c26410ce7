/**
 * The MLS Delivery Service's wire contract (RFC 9420 §3, §16.4), shared by the chat server
 * and the SDK: the one cipher suite, how a conversation names its group, and the request
 * and response bodies of the key directory, the commit gate and the Welcome inbox
 * (TypeBox schemas the server validates with and the SDK types with). Every MLS object
 * travels as the base64url of a TLS-encoded `MLSMessage` (`encodeMlsMessage` in ts-mls).
 *
 * Routes (all with a device access token):
 * - `POST /v1/mls/key-packages` — upload a batch of one-time key packages and/or the
 *   last-resort one (`UploadKeyPackagesRequest` → 201 `KeyPackageCount`).
 * - `GET /v1/mls/key-packages/count` — what the calling device has left (`KeyPackageCount`).
 * - `POST /v1/accounts/:accountId/key-packages/claim` — one package per active device of
 *   the account (`ClaimKeyPackagesRequest` → 200 `ClaimKeyPackagesResponse`).
 * - `POST /v1/conversations/:id/mls/group` — register the conversation's group at epoch 0
 *   with its creator's GroupInfo (`RegisterGroupRequest` → 201 `MlsGroupView`).
 * - `GET /v1/conversations/:id/mls/group` — its epoch and leaf → device map (`MlsGroupView`).
 * - `POST /v1/conversations/:id/mls/commits` — a commit for the group's current epoch, with
 *   the Welcome for the devices it adds (`SubmitCommitRequest` → 201/200 `SubmitCommitResponse`;
 *   409 `stale_epoch` when another commit took the epoch first).
 * - `GET /v1/mls/welcomes` and `DELETE /v1/mls/welcomes/:id` — the calling device's Welcome
 *   inbox (`WelcomePage`).
 *
 * Application messages are not here: they are PrivateMessages sent with kind `mls` through
 * the ordinary message path (HTTP or the WebSocket `send` frame).
 */
import { Type, type Static } from 'typebox';

/** RFC 9420 §17.1 suite 1: X25519, AES-128-GCM, SHA-256, Ed25519 (the device identity key's algorithm). */
export const MLS_CIPHER_SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/** One-time key packages per upload request, at most. */
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100;
/** One-time key packages a device may hold on the server at once (beyond: 409 `too_many_key_packages`). */
export const MAX_STORED_KEY_PACKAGES = 500;

const encoder = new TextEncoder();

/**
 * The MLS group id of a conversation: the UTF-8 bytes of its id (decimal). The server
 * accepts a group only under its conversation's id, so a group's messages cannot be
 * replayed into another conversation.
 */
export function mlsGroupId(conversationId: string): Uint8Array {
  return encoder.encode(conversationId);
}

const Id = Type.String({ pattern: '^[0-9]{1,20}$', description: 'Snowflake id (decimal string).' });
const ClientMessageId = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'Chosen by the device; a resend with the same id returns the original result.' });
/** base64url (no padding) of a TLS-encoded MLSMessage; `description` says which kind. */
export const mlsBytes = (description = 'base64url (no padding) of a TLS-encoded MLSMessage.') => Type.String({ minLength: 4, pattern: '^[A-Za-z0-9_-]+$', description });
export const MlsBytes = mlsBytes();
const Epoch = Type.Integer({ minimum: 0, description: 'MLS epoch of the group.' });

export const UploadKeyPackagesRequest = Type.Object(
  {
    keyPackages: Type.Array(MlsBytes, {
      maxItems: MAX_KEY_PACKAGES_PER_UPLOAD,
      description: 'One-time key packages (MLSMessage, wire format mls_key_package), each handed out once.',
    }),
    lastResort: Type.Optional(mlsBytes('Replaces the device’s last-resort package: handed out when the one-time ones run out, never consumed.')),
  },
  { additionalProperties: false },
);
export type UploadKeyPackagesRequest = Static<typeof UploadKeyPackagesRequest>;

export const KeyPackageCount = Type.Object({
  available: Type.Integer({ minimum: 0, description: 'One-time key packages of the device not yet claimed.' }),
  lastResort: Type.Boolean({ description: 'Whether the device has a last-resort package on the server.' }),
});
export type KeyPackageCount = Static<typeof KeyPackageCount>;

export const ClaimKeyPackagesRequest = Type.Object(
  {
    deviceIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 64, description: 'Only these devices of the account (default: all its active devices but the caller).' })),
  },
  { additionalProperties: false },
);
export type ClaimKeyPackagesRequest = Static<typeof ClaimKeyPackagesRequest>;

export const ClaimedKeyPackage = Type.Object({
  deviceId: Id,
  keyPackage: MlsBytes,
  /** The device had no one-time package left: this is its last-resort one (others may get it too). */
  lastResort: Type.Boolean(),
});
export type ClaimedKeyPackage = Static<typeof ClaimedKeyPackage>;

export const ClaimKeyPackagesResponse = Type.Object({
  keyPackages: Type.Array(ClaimedKeyPackage),
  /** Active devices that have no package at all on the server (not even a last-resort one). */
  missing: Type.Array(Id),
});
export type ClaimKeyPackagesResponse = Static<typeof ClaimKeyPackagesResponse>;

export const RegisterGroupRequest = Type.Object(
  {
    groupInfo: mlsBytes('MLSMessage (mls_group_info) of the group at epoch 0, signed by the calling device, with the ratchet_tree extension.'),
  },
  { additionalProperties: false },
);
export type RegisterGroupRequest = Static<typeof RegisterGroupRequest>;

export const MlsLeaf = Type.Object({ leafIndex: Type.Integer({ minimum: 0 }), deviceId: Id, accountId: Id });
export type MlsLeaf = Static<typeof MlsLeaf>;

export const MlsGroupView = Type.Object({
  conversationId: Id,
  epoch: Epoch,
  cipherSuite: Type.Literal(MLS_CIPHER_SUITE),
  /** Tree hash of the current epoch (base64url): what every member that converged also holds. */
  treeHash: Type.String(),
  leaves: Type.Array(MlsLeaf),
});
export type MlsGroupView = Static<typeof MlsGroupView>;

export const SubmitCommitRequest = Type.Object(
  {
    clientMessageId: ClientMessageId,
    commit: mlsBytes('MLSMessage (mls_public_message) carrying a commit by the calling device’s leaf, proposals by value.'),
    welcome: Type.Optional(mlsBytes('MLSMessage (mls_welcome) for exactly the key packages the commit adds (required when it adds any).')),
    sentAt: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'When the device sent it (epoch ms, untrusted).' })),
  },
  { additionalProperties: false },
);
export type SubmitCommitRequest = Static<typeof SubmitCommitRequest>;

export const SubmitCommitResponse = Type.Object({
  messageId: Id,
  /** Where the commit sits in the conversation log (a `kind: 'mls'` entry whose body is the commit). */
  seq: Type.Integer({ minimum: 1 }),
  storedAt: Type.Integer(),
  /** The epoch the group is in after this commit. */
  epoch: Epoch,
  duplicate: Type.Boolean({ description: 'True when this (device, clientMessageId) was accepted before: the original result.' }),
});
export type SubmitCommitResponse = Static<typeof SubmitCommitResponse>;

export const PendingWelcome = Type.Object({
  id: Id,
  conversationId: Id,
  /** The epoch the Welcome joins the device at. */
  epoch: Epoch,
  /** Seq of the commit that added the device: log entries after it are for the new epoch on. */
  commitSeq: Type.Integer({ minimum: 1 }),
  welcome: MlsBytes,
  createdAt: Type.Integer(),
});
export type PendingWelcome = Static<typeof PendingWelcome>;

export const WelcomePage = Type.Object({ welcomes: Type.Array(PendingWelcome), nextCursor: Type.Optional(Type.String()) });
export type WelcomePage = Static<typeof WelcomePage>;
