/**
 * @module @twin/chat-client
 * Chat SDK for Node and browsers.
 * Filled by its own issue; the platform foundation only reserves the package.
 */
export {};
