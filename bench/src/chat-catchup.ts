/**
 * Catch-up rate: a device that was offline while `count` messages arrived connects, and
 * the clock runs from its `auth` frame to the `caught-up` frame, with every message
 * delivered and acked cumulatively per `deliver` frame as the SDK does.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerFrame } from '@twin/chat-protocol';
import type { BenchPair } from './chat-setup.ts';
import { openWire, type WireSocket } from './chat-wire.ts';

export interface CatchUpResult {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  /** How fast the backlog was written (sender at a window of 256). */
  seedPerSecond: number;
}

const BODY = Buffer.alloc(24, 9).toString('base64url');

/** Sends `count` messages from the pair's sender as fast as the server confirms them. */
async function seed(url: string, pair: BenchPair, count: number): Promise<number> {
  let sent = 0;
  let confirmed = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const sendOne = (socket: WireSocket) =>
    socket.send({ type: 'send', clientMessageId: `seed-${sent++}`, conversationId: pair.conversationId, kind: 'message', body: BODY, sentAt: Date.now() });
  const sender: WireSocket = await openWire(url, {
    token: pair.sender.token,
    onFrame: (frame: ServerFrame) => {
      if (frame.type !== 'send-result') return;
      if (++confirmed === count) done();
      if (sent < count) sendOne(sender);
    },
  });
  const t0 = performance.now();
  for (let i = 0; i < Math.min(256, count); i++) sendOne(sender);
  await finished;
  const rate = count / ((performance.now() - t0) / 1_000);
  await sleep(500);
  sender.close();
  return rate;
}

export async function measureCatchUp(url: string, pair: BenchPair, count: number): Promise<CatchUpResult> {
  const seedPerSecond = await seed(url, pair, count);
  let delivered = 0;
  let acked = 0;
  let caughtUpAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const t0 = performance.now();
  const receiver: WireSocket = await openWire(url, {
    token: pair.receiver.token,
    onFrame: (frame: ServerFrame) => {
      if (frame.type === 'deliver') {
        delivered += frame.messages.length;
        const last = frame.messages.at(-1);
        if (last && last.seq > acked) receiver.send({ type: 'ack', conversationId: pair.conversationId, seq: (acked = last.seq) });
      } else if (frame.type === 'caught-up' && frame.conversationId === undefined) {
        caughtUpAt = performance.now();
        done();
      }
    },
  });
  await finished;
  receiver.close();
  if (delivered < count) throw new Error(`caught up with ${delivered} of ${count} messages`);
  const seconds = (caughtUpAt - t0) / 1_000;
  return { messages: delivered, seconds, messagesPerSecond: delivered / seconds, seedPerSecond };
}
