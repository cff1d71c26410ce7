/**
 * Builds `deliver` frames. A message fanned out to many sockets is serialised to JSON once
 * (memoised per message object) and frames are spliced from those strings, so a group
 * message costs one `JSON.stringify`, not one per recipient. A catch-up page goes to one
 * socket only, so it is serialised a frame at a time instead (`pageFrames`). Frames are
 * cut at MAX_PAGE_MESSAGES or at a byte budget, so one frame never grows past what a
 * client can reasonably buffer even with 64 KiB bodies.
 */
import { MAX_PAGE_MESSAGES, type WireMessage } from '@twin/chat-protocol';

/** Frames are closed once their messages' JSON passes this many bytes (a single bigger message still goes alone). */
export const DELIVER_FRAME_BUDGET_BYTES = 1024 * 1024;

const serialised = new WeakMap<WireMessage, string>();

export function messageJson(message: WireMessage): string {
  let json = serialised.get(message);
  if (json === undefined) {
    json = JSON.stringify(message);
    serialised.set(message, json);
  }
  return json;
}

/** One serialised `deliver` frame and how many messages it carries. */
export interface DeliverFrameText {
  readonly text: string;
  readonly count: number;
}

/** Splits messages (already in the order to send) into serialised `deliver` frames. */
export function deliverFrames(messages: readonly WireMessage[], budgetBytes = DELIVER_FRAME_BUDGET_BYTES): DeliverFrameText[] {
  const frames: DeliverFrameText[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const message of messages) {
    const json = messageJson(message);
    if (parts.length > 0 && (parts.length >= MAX_PAGE_MESSAGES || bytes + json.length > budgetBytes)) {
      frames.push(frame(parts));
      parts = [];
      bytes = 0;
    }
    parts.push(json);
    bytes += json.length;
  }
  if (parts.length > 0) frames.push(frame(parts));
  return frames;
}

/**
 * Strings longer than this go to V8's large-object space, where each gets freshly mapped
 * pages that the kernel zeroes on first touch: a 500-message catch-up frame (~150 KB)
 * spent a tenth of the server's time in those page faults. Page frames stay below it.
 */
const REGULAR_STRING_BYTES = 120 * 1024;
/** A message's JSON apart from its body (keys, ids, numbers), for sizing page frames. */
const MESSAGE_JSON_OVERHEAD_BYTES = 300;

/**
 * Frames for messages read for one socket (a catch-up page): one `JSON.stringify` per
 * frame, which spares a string per message, its memo entry and the join. In a catch-up
 * profile those were a quarter of the server's time. Frames hold as many messages as fit
 * below REGULAR_STRING_BYTES at the page's mean size; a frame that still passes the
 * budget (uneven bodies) is cut message by message.
 */
export function pageFrames(messages: readonly WireMessage[], budgetBytes = DELIVER_FRAME_BUDGET_BYTES): DeliverFrameText[] {
  let bodyBytes = 0;
  for (const message of messages) bodyBytes += message.body.length;
  const meanBytes = bodyBytes / messages.length + MESSAGE_JSON_OVERHEAD_BYTES;
  const perFrame = Math.min(MAX_PAGE_MESSAGES, Math.max(1, Math.floor(Math.min(budgetBytes, REGULAR_STRING_BYTES) / meanBytes)));
  const frames: DeliverFrameText[] = [];
  for (let start = 0; start < messages.length; start += perFrame) {
    const slice = messages.slice(start, start + perFrame);
    const text = JSON.stringify({ type: 'deliver', messages: slice });
    if (text.length <= budgetBytes) frames.push({ text, count: slice.length });
    else frames.push(...deliverFrames(slice, budgetBytes));
  }
  return frames;
}

const frame = (parts: string[]): DeliverFrameText => ({ text: `{"type":"deliver","messages":[${parts.join(',')}]}`, count: parts.length });
