/**
 * @module @twin/chat-server
 * Chat gateway, API, delivery, groups and key directory.
 * Filled by its own issue; the platform foundation only reserves the package.
 */
export {};
