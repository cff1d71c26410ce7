/**
 * @module @twin/chat-protocol
 * Wire types and frame schemas shared by the chat server and SDK (no I/O).
 * Filled by its own issue; the platform foundation only reserves the package.
 */
export {};
