/**
 * Builds `deliver` frames. A message fanned out to many sockets is serialised to JSON once
 * (memoised per message object) and frames are spliced from those strings, so a group
 * message costs one `JSON.stringify`, not one per recipient. A catch-up page goes to one
 * socket only, so it is serialised whole instead (`pageFrames`). Frames are cut at
 * MAX_PAGE_MESSAGES or at a byte budget, so one frame never grows past what a client
 * can reasonably buffer even with 64 KiB bodies.
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
 * Frames for messages read for one socket (a catch-up page): one `JSON.stringify` of the
 * whole frame when it fits, which spares a string per message, its memo entry and the join.
 * In a catch-up profile those were a quarter of the server's time.
 */
export function pageFrames(messages: readonly WireMessage[], budgetBytes = DELIVER_FRAME_BUDGET_BYTES): DeliverFrameText[] {
  if (messages.length <= MAX_PAGE_MESSAGES) {
    let bodyBytes = 0;
    for (const message of messages) bodyBytes += message.body.length;
    // Bodies are most of a frame: past the budget, skip straight to cutting.
    if (bodyBytes <= budgetBytes) {
      const text = JSON.stringify({ type: 'deliver', messages });
      if (text.length <= budgetBytes) return [{ text, count: messages.length }];
    }
  }
  return deliverFrames(messages, budgetBytes);
}

const frame = (parts: string[]): DeliverFrameText => ({ text: `{"type":"deliver","messages":[${parts.join(',')}]}`, count: parts.length });
