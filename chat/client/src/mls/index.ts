/**
 * End-to-end encryption for the chat SDK: one MLS engine per device (`DeviceMls`), what
 * drives it against the server's Delivery Service (`ConversationCrypto`), and the store
 * seam its state survives restarts through.
 */
export { ConversationCrypto, type ConversationCryptoOptions, type OpenedEntry } from './conversation-crypto.ts';
export { DeviceMls, type DecryptedMessage, type DeviceMlsOptions, type HandshakeOutcome, type MlsDeviceIdentity, type StagedCommit } from './device-mls.ts';
export { MlsEngineError, MlsErrorCodes, type MlsErrorCode } from './errors.ts';
export { MemoryMlsStateStore, type MlsStateStore } from './state-store.ts';
export { CIPHER_SUITE } from './cipher-suite.ts';
