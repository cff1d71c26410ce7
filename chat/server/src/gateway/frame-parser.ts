/**
 * Turns one WebSocket message into a typed client frame, or says why not. The schemas are
 * compiled once, one validator per frame type, so a bad frame of a known type gets a
 * precise, recoverable `validation_failed` (the socket stays open) while anything that is
 * not a JSON object with a known `type` is a protocol violation (the socket closes 1008).
 */
import { AckFrame, AuthFrame, PingFrame, PresenceSubscribeFrame, ReadFrame, SendFrame, SyncFrame, TypingFrame, type ClientFrame, type ClientFrameType } from '@twin/chat-protocol';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

type Validator = { Check(value: unknown): boolean; Errors(value: unknown): Array<{ instancePath: string; message: string }> };

const VALIDATORS: Record<ClientFrameType, Validator> = {
  auth: compile(AuthFrame),
  send: compile(SendFrame),
  ack: compile(AckFrame),
  read: compile(ReadFrame),
  typing: compile(TypingFrame),
  'presence-subscribe': compile(PresenceSubscribeFrame),
  sync: compile(SyncFrame),
  ping: compile(PingFrame),
};

function compile(schema: TSchema): Validator {
  return Compile(schema) as unknown as Validator;
}

export type ParsedFrame =
  | { readonly kind: 'frame'; readonly frame: ClientFrame }
  /** A known frame type with fields that break its schema: answer with an error frame, keep the socket. */
  | { readonly kind: 'invalid'; readonly type: ClientFrameType; readonly ref: string | undefined; readonly message: string; readonly details: Array<{ field: string; message: string }> }
  /** Not JSON, not an object, no or an unknown `type`, or a binary frame: close with 1008. */
  | { readonly kind: 'violation'; readonly message: string };

export function parseClientFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ParsedFrame {
  if (isBinary) return { kind: 'violation', message: 'Frames are JSON text; binary frames are not part of protocol v1.' };
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'violation', message: 'The frame is not valid JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'violation', message: 'A frame must be a JSON object.' };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(VALIDATORS, type)) {
    return { kind: 'violation', message: `Unknown frame type ${JSON.stringify(type ?? null).slice(0, 80)}.` };
  }
  const validator = VALIDATORS[type as ClientFrameType];
  if (validator.Check(value)) return { kind: 'frame', frame: value as ClientFrame };
  const details = validator.Errors(value).slice(0, 10).map((e) => ({ field: e.instancePath || '/', message: e.message }));
  return {
    kind: 'invalid',
    type: type as ClientFrameType,
    ref: refOf(value as Record<string, unknown>, type),
    message: `Invalid ${type} frame: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`.slice(0, 500),
    details,
  };
}

/**
 * What an error frame echoes so the client can match it: for `send`, its clientMessageId
 * (the protocol's rule), otherwise the frame's `ref`. Only short strings are echoed.
 */
export function refOf(frame: Record<string, unknown>, type: string): string | undefined {
  const candidate = type === 'send' ? (frame.clientMessageId ?? frame.ref) : frame.ref;
  return typeof candidate === 'string' && candidate.length <= 64 ? candidate : undefined;
}
