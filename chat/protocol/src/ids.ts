/**
 * Branded id types. Every id on the wire is a decimal Snowflake string (64-bit,
 * time-ordered) except `ClientMessageId`, which the sending device picks (a UUID or any
 * 1–64 char token) and which makes a resend recognisable as the same message.
 */
export type AccountId = string & { readonly __brand: 'AccountId' };
export type DeviceId = string & { readonly __brand: 'DeviceId' };
export type ConversationId = string & { readonly __brand: 'ConversationId' };
export type MessageId = string & { readonly __brand: 'MessageId' };
export type ClientMessageId = string & { readonly __brand: 'ClientMessageId' };
